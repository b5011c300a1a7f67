export const id = 438;
export const ids = [438];
export const modules = {

/***/ 1438:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   githubClient: () => (/* binding */ githubClient)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1758);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9735);
// The Octokit client RunChecker uses, from @actions/github (proxy support from the runner's environment) plus
// @octokit/plugin-retry. Only github-runs.ts loads this file, and only through a dynamic import() when a workflow run
// must really be checked: ncc then puts it, @actions/github and Octokit in a chunk file of their own beside
// dist/main/index.js (scripts/build.mjs keeps it), so a step that asks GitHub nothing never loads or parses them.


const quiet = () => { };
/**
 * baseUrl: GITHUB_API_URL without a trailing slash (GitHub Enterprise Server, the tests' fake API over plain HTTP).
 * A 5xx or a dropped connection is retried once after a second; 4xx answers are not (plugin-retry's doNotRetry).
 */
function githubClient(token, baseUrl) {
    return (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token, {
        baseUrl,
        userAgent: 'proxmox-kvm-action',
        // Octokit would print deprecation notices and request failures with console.*; the caller reports failures.
        log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
        retry: { retries: 1 },
    }, _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_1__/* .retry */ .L);
}


/***/ })

};
