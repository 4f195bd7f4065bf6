// Real services on a two-core machine: integration tests get 30 s unless they state their own timeout.
jest.setTimeout(30_000);
