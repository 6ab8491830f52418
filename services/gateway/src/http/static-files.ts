import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { Context, Next } from 'koa';
import { contentType } from 'mime-types';

const HTML = 'text/html; charset=utf-8';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// A Host header is client input: only a plain host[:port] may be written into the page.
const HOST_PATTERN = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/** Resolves a request path inside `root`, or undefined when it would escape it or is malformed. */
async function resolveInside(root: string, requestPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const candidate = resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  if (candidate !== root && !candidate.startsWith(root + sep)) return undefined;
  try {
    const real = await realpath(candidate);
    if (real !== root && !real.startsWith(root + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** `/chat` (the page with `%%HOST:PORT%%` filled in), `/` → `/chat`, and files of the public folder. */
export function staticFiles(publicDir: string) {
  const root = resolve(publicDir);
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.body !== undefined || ctx.status !== 404 || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return;
    if (ctx.path === '/') {
      ctx.redirect('/chat');
      return;
    }
    ctx.set('X-Content-Type-Options', 'nosniff');
    // The page's own file is the same page: its placeholder is never served unfilled.
    if (ctx.path === '/chat' || ctx.path === '/chat.html') {
      const host = ctx.get('host');
      const page = await readFile(resolve(root, 'chat.html'), 'utf8');
      ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = HTML;
      ctx.body = page.split('%%HOST:PORT%%').join(HOST_PATTERN.test(host) ? host : 'localhost');
      return;
    }
    const file = await resolveInside(root, ctx.path);
    if (!file) {
      ctx.status = 404;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `no file: ${ctx.path.slice(1)}`;
      return;
    }
    const type = contentType(extname(file)) || 'application/octet-stream';
    if (type.startsWith('text/html')) ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.type = type;
    ctx.body = createReadStream(file);
  };
}

