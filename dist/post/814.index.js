export const id = 814;
export const ids = [814];
export const modules = {

/***/ 1814:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   baselineWasmOnly: () => (/* binding */ baselineWasmOnly)
/* harmony export */ });
/* harmony import */ var node_v8__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8877);
/* harmony import */ var node_v8__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_v8__WEBPACK_IMPORTED_MODULE_0__);
// undici parses HTTP with llhttp compiled to WebAssembly, and V8 compiles that module with both of its tiers. The
// optimising tier (TurboFan) alone raised a step's peak memory from ~63 MB to ~98 MB and kept the process ~45 ms
// longer at exit, for a parser that handles a few dozen small JSON answers per step: the baseline tier (Liftoff) is
// plenty.
//
// When: after the bundle's modules are loaded (changing a V8 flag makes Node compile the built-in modules it loads
// afterwards without their code cache: ~20 ms if done first), and before the first connection (undici compiles
// llhttp then). The entries call this between their imports and run().

function baselineWasmOnly() {
    (0,node_v8__WEBPACK_IMPORTED_MODULE_0__.setFlagsFromString)('--liftoff-only');
}


/***/ })

};
