// Errors of collocated logic: polling and notify containers (src/events).
export {};
