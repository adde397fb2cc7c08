// In-memory storages for the client libraries, one per test, so that nothing
// touches the disk or leaks between tests.

// MemoryStorage has the synchronous Web Storage shape amazon-cognito-identity-js
// expects for CognitoUserPool's Storage option.
export class MemoryStorage {
  #items = new Map();
  setItem(key, value) { this.#items.set(key, String(value)); return this.#items.get(key); }
  getItem(key) { return this.#items.has(key) ? this.#items.get(key) : null; }
  removeItem(key) { return this.#items.delete(key); }
  clear() { this.#items.clear(); return {}; }
  keys() { return [...this.#items.keys()]; }
}

// AsyncMemoryStorage is Amplify v6's KeyValueStorageInterface, for
// cognitoUserPoolsTokenProvider.setKeyValueStorage().
export class AsyncMemoryStorage {
  #items = new Map();
  async setItem(key, value) { this.#items.set(key, String(value)); }
  async getItem(key) { return this.#items.has(key) ? this.#items.get(key) : null; }
  async removeItem(key) { this.#items.delete(key); }
  async clear() { this.#items.clear(); }
  keys() { return [...this.#items.keys()]; }
}
