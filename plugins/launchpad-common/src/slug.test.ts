import {
  SLUG_MAX_LENGTH,
  argoAppName,
  forumDatabaseName,
  mysqlDatabaseName,
  mysqlUsername,
  storageBucketName,
  validateInstanceSlug,
} from './slug';

describe('validateInstanceSlug', () => {
  it.each([
    'demo',
    'ab',
    'course-2024',
    'a1',
    '0day',
    'x'.repeat(SLUG_MAX_LENGTH),
  ])('accepts %s', slug =>
    expect(validateInstanceSlug(slug)).toEqual({ ok: true }),
  );

  it.each([
    ['', /required/],
    [undefined, /required/],
    ['a', /at least 2/],
    ['x'.repeat(SLUG_MAX_LENGTH + 1), /at most 22/],
    ['Demo', /lowercase/],
    ['-demo', /start and end/],
    ['demo-', /start and end/],
    ['de_mo', /lowercase/],
    ['de.mo', /lowercase/],
    ['dé', /lowercase/],
    ['xn--demo', /consecutive hyphens/],
    ['default', /reserved/],
    ['argocd', /reserved/],
    ['kube-foo', /reserved prefix "kube-"/],
  ])('rejects %p', (slug, reason) => {
    expect(validateInstanceSlug(slug)).toEqual({
      ok: false,
      reason: expect.stringMatching(reason),
    });
  });

  it('keeps every derived name within its system limit at the maximum length', () => {
    const slug = 'x'.repeat(SLUG_MAX_LENGTH);
    expect(mysqlUsername(slug).length).toBeLessThanOrEqual(32);
    expect(mysqlDatabaseName(slug).length).toBeLessThanOrEqual(64);
    expect(forumDatabaseName(slug).length).toBeLessThanOrEqual(63);
    expect(storageBucketName(slug).length).toBeLessThanOrEqual(63);
    expect(argoAppName(slug, 'production').length).toBeLessThanOrEqual(63);
  });
});

describe('derived names', () => {
  it('follows the Launchpad naming', () => {
    expect(mysqlDatabaseName('demo')).toBe('launchpad-demo-openedx');
    expect(mysqlUsername('demo')).toBe('launchpad-demo');
    expect(forumDatabaseName('demo')).toBe('launchpad-demo-forum');
    expect(argoAppName('demo', 'staging')).toBe('demo-staging');
    expect(storageBucketName('demo', 'a1b2c3d')).toBe('launchpad-demo-a1b2c3d');
  });

  it('draws a random 7-character bucket suffix', () => {
    const a = storageBucketName('demo');
    const b = storageBucketName('demo');
    expect(a).toMatch(/^launchpad-demo-[a-z0-9]{7}$/);
    expect(b).toMatch(/^launchpad-demo-[a-z0-9]{7}$/);
    expect(a).not.toBe(b);
  });

  it('rejects a malformed bucket suffix', () => {
    expect(() => storageBucketName('demo', 'ABC')).toThrow(/7 lowercase/);
  });
});
