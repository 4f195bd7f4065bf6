// Errors of tasks and exported services (src/events): a task or service that is unknown, failed or timed out.
export {};
