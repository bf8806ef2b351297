/*
 * Which config.yml keys hold secrets. Launchpad writes credentials into
 * config.yml (MYSQL_PASSWORD, OPENEDX_SECRET_KEY, STORAGE_ACCESS_KEY_ID, ...);
 * none of them may reach an entity, a log or the browser. The rule errs on the
 * side of hiding: a key is secret when it contains PASSWORD, SECRET, TOKEN,
 * PRIVATE, CREDENTIAL... anywhere, or has KEY, PASS, AUTH, DSN... as a whole
 * `_`-separated (or camelCase) word, so `OPENEDX_SECRET_KEY`,
 * `JWT_RSA_PRIVATE_KEY`, `STORAGE_ACCESS_KEY_ID`, `SENTRY_DSN` are secret while
 * `STORAGE_BUCKET_NAME`, `MONKEY_ISLAND`, `KEYCLOAK_URL` are not.
 */
/** Words that mark a secret wherever they appear, even glued (`DBPASSWORD`). */
const SECRET_SUBSTRINGS = [
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'SECRET',
  'TOKEN',
  'PRIVATE',
  'CREDENTIAL',
  'APIKEY',
];

/** Short words that mark a secret only as a whole word (`KEY` but not `MONKEY`). */
const SECRET_WORDS = new Set([
  'PASS',
  'PWD',
  'KEY',
  'KEYS',
  'CREDS',
  'AUTH',
  'DSN',
  'SALT',
  'CERT',
  'JWK',
  'JWKS',
]);

/** Whether a config key names a secret (see the rule above); case-insensitive. */
export function isSecretConfigKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2') // camelCase → camel_Case
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  return words.some(
    word =>
      SECRET_WORDS.has(word) || SECRET_SUBSTRINGS.some(s => word.includes(s)),
  );
}

/** A URL carrying credentials (`scheme://user:password@host`). */
const URL_WITH_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:[^\s/@]+@/i;

/** Whether a value itself carries a secret even under an innocent key. */
export function isSecretConfigValue(value: unknown): boolean {
  return typeof value === 'string' && URL_WITH_CREDENTIALS.test(value);
}

/**
 * A copy of `config` without secret keys or secret-looking values, at every
 * depth (Tutor plugins nest settings in mappings and lists).
 */
export function stripSecrets<T extends Record<string, unknown>>(
  config: T,
): Partial<T> {
  return stripValue(config) as Partial<T>;
}

function stripValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter(v => !isSecretConfigValue(v)).map(stripValue);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (isSecretConfigKey(key) || isSecretConfigValue(inner)) continue;
      out[key] = stripValue(inner);
    }
    return out;
  }
  return value;
}
