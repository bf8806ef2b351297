import { isSecretConfigKey, stripSecrets } from './secrets';

describe('isSecretConfigKey', () => {
  it.each([
    'MYSQL_PASSWORD',
    'MYSQL_ROOT_PASSWORD',
    'MONGODB_PASSWORD',
    'OPENEDX_SECRET_KEY',
    'JWT_COMMON_SECRET_KEY',
    'JWT_RSA_PRIVATE_KEY',
    'STORAGE_ACCESS_KEY_ID',
    'STORAGE_SECRET_ACCESS_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'GITHUB_TOKEN',
    'SMTP_PASS',
    'SENTRY_DSN',
    'GOOGLE_CREDENTIALS',
    'mysqlPassword',
    'DBPASSWORD',
    'api_key',
    'CMS_OAUTH2_SECRET',
  ])('%s is secret', key => {
    expect(isSecretConfigKey(key)).toBe(true);
  });

  it.each([
    'STORAGE_BUCKET_NAME',
    'STORAGE_TYPE',
    'MYSQL_USERNAME',
    'MYSQL_DATABASE',
    'LMS_HOST',
    'PLATFORM_NAME',
    'MONKEY_ISLAND',
    'KEYCLOAK_URL',
    'OAUTH_PROVIDER_NAME',
    'PORTAL_OWNER',
    'PASSENGER_COUNT',
  ])('%s is not secret', key => {
    expect(isSecretConfigKey(key)).toBe(false);
  });
});

describe('stripSecrets', () => {
  it('drops secret keys and credentialed URLs at every depth, keeps the rest', () => {
    const config = {
      LMS_HOST: 'demo.example.com',
      STORAGE_BUCKET_NAME: 'launchpad-demo-abcdefg',
      MYSQL_PASSWORD: 'hunter2',
      OPENEDX_SECRET_KEY: 's3cr3t',
      MONGODB_URI: 'mongodb://user:pa55@mongo:27017/db',
      PLUGIN: { NAME: 'x', API_TOKEN: 'tok', list: ['ok', 'https://a:b@host'] },
    };
    const stripped = stripSecrets(config);
    expect(stripped).toEqual({
      LMS_HOST: 'demo.example.com',
      STORAGE_BUCKET_NAME: 'launchpad-demo-abcdefg',
      PLUGIN: { NAME: 'x', list: ['ok'] },
    });
    const text = JSON.stringify(stripped);
    for (const secret of ['hunter2', 's3cr3t', 'pa55', 'tok"', 'a:b@']) {
      expect(text).not.toContain(secret);
    }
    // The input is not modified.
    expect(config.MYSQL_PASSWORD).toBe('hunter2');
  });
});
