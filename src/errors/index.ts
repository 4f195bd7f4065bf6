export * from './SpacelogError';
export * from './validation';
export * from './query';
