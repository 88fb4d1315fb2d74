/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import type { ComponentChildren } from 'preact';

export interface LayoutProps {
  title: string;
  /** Who is looking (the trusted header's user), shown in the header. */
  viewer?: string | null;
  /** Links in the header; the signed ones carry their signature. */
  nav?: { label: string; href: string }[];
  children: ComponentChildren;
}

/** Every page's frame: one stylesheet, one deferred script, a phone-width viewport. */
export function Layout({ title, viewer, nav, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{title}</title>
        <link rel="stylesheet" href="/assets/web.css" />
        <script src="/assets/page.js" defer></script>
      </head>
      <body>
        <header class="top">
          <span class="brand">Firebreak</span>
          {nav && nav.length > 0 ? (
            <nav>
              {nav.map((n) => (
                <a href={n.href}>{n.label}</a>
              ))}
            </nav>
          ) : null}
          {viewer ? <span class="who">Signed in as {viewer}</span> : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

/** A time in UTC as written by the server; page.js shows it in the viewer's zone and keeps UTC on hover. */
export function Time({ at }: { at: Date }) {
  return <time datetime={at.toISOString()}>{`${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`}</time>;
}
