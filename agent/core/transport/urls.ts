// URLs as they may be shown and as they may be used: never with a password in a log line, never plaintext off the host.

/** The URL with any user name and password replaced by "***", for logs and reports; unparseable text is hidden whole. */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparseable URL)';
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '***';
  parsed.password = '';
  return parsed.toString();
}

/** The host of a URL that would carry data unencrypted to another machine; null for TLS, loopback or unparseable. */
export function plaintextRemoteHost(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // the URL's own rule reports it
  }
  if (!['mqtt:', 'tcp:', 'ws:', 'http:'].includes(parsed.protocol)) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) return null;
  return host;
}

/** Every `scheme://user:password@` inside a text (a message, a pipeline description) with the user and password as "***". */
export function credentialsHiddenIn(text: string): string {
  return text.replace(/\/\/[^@/"'\s]*@/g, '//***@');
}
