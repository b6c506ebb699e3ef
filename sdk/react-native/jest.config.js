module.exports = {
  preset: 'react-native',
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/__tests__/**/*.test.ts?(x)'],
  setupFilesAfterEnv: ['@testing-library/react-native/extend-expect'],
  modulePathIgnorePatterns: ['<rootDir>/lib/'],
};
