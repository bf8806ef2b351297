// Some ESM-only dependencies (kubernetes-models, used by the sandbox these
// tests start) export only an `import` condition, which Jest's CommonJS
// resolver does not try. Fall back to it when the default resolution fails.
module.exports = (request, options) => {
  try {
    return options.defaultResolver(request, options);
  } catch (error) {
    try {
      return options.defaultResolver(request, {
        ...options,
        conditions: ['import', 'node', 'default'],
      });
    } catch {
      throw error;
    }
  }
};
