// Fault tests crash processes and stop databases: 2 minutes unless they state their own timeout.
jest.setTimeout(120_000);
