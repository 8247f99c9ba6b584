// Each e2e file starts from the run's environment (see global-setup.ts); nothing to do unless
// a suite is started on its own without the global setup.
if (!process.env.DATABASE_URL?.includes('shop_test_')) {
  throw new Error('Run the e2e suites through jest so that global-setup prepares a test database');
}
