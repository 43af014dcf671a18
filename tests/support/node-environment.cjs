/**
 * Jest's node environment on an ordinary global object. Jest runs each test file, and the product
 * code a test starts in its own process, in a `vm` context. Its default context wraps the global in
 * interceptors (and, from Jest 30, a Proxy), so every look-up of a global (`Number`, `Date`, `Math`,
 * `Map`, …) takes a slow path: 3–5× slower for code such as parsing a number or building a date,
 * which the warehouse's drivers, the features and the model do millions of times a cycle. Node's
 * `vm.constants.DONT_CONTEXTIFY` (Node 20.18 and 22.8 on) gives the context a plain global object
 * instead; everything else is Jest's environment as it is. Where Node lacks it, nothing changes.
 *
 * Jest's own clean-up of globals a test file set at teardown is left out: each file's context is
 * dropped after it, and a worker past `workerIdleMemoryLimit` is replaced.
 */
const vm = require('node:vm');
const { TestEnvironment } = require('jest-environment-node');

const PLAIN_GLOBAL = vm.constants && vm.constants.DONT_CONTEXTIFY;

class PlainGlobalEnvironment extends TestEnvironment {
  constructor(config, context) {
    if (!PLAIN_GLOBAL) {
      super(config, context);
      return;
    }
    // Jest's constructor creates the context (`vm.createContext(globalProxy)`) and then fills its
    // global: that one call is given a plain global instead.
    const createContext = vm.createContext;
    vm.createContext = () => createContext(PLAIN_GLOBAL);
    try {
      super(config, context);
    } finally {
      vm.createContext = createContext;
    }
  }
}

module.exports = PlainGlobalEnvironment;
module.exports.TestEnvironment = PlainGlobalEnvironment;
