// A free TCP port on loopback, for tests that start their own daemons.
export { freeLoopbackPort as freePort } from '../../tools/demo/loopback.ts';
