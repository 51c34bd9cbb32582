// A node environment that remembers whether any test in the file failed, so that the per-file test
// database can be left in place for inspection when something went wrong (see test/support/db.ts).
const { TestEnvironment } = require('jest-environment-node');

class ReferralynxEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      this.global.__REFERRALYNX_TEST_FAILED__ = true;
    }
  }
}

module.exports = ReferralynxEnvironment;
