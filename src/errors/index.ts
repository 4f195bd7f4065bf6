export * from './SpacelogError';
export * from './validation';
export * from './query';
export * from './stack';
export * from './log';
export * from './engine';
export * from './mirror';
export * from './transaction';
