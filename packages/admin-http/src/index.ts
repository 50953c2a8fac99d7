export { adminRoute, HttpProblem, readJsonBody, sendJson, sendProblem } from './http.js';
export type { AdminHandler } from './http.js';
