// Stands in for `@actions/http-client/lib/auth` in the bundles (see http-client.ts): the same handler classes,
// which import nothing heavy, re-exported from their own file so the name does not pull in the package index.
export { BasicCredentialHandler, BearerCredentialHandler, PersonalAccessTokenCredentialHandler } from '../../../node_modules/@actions/http-client/lib/auth.js';
