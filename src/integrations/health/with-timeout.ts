export class ProbeTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timeout after ${ms} ms`);
  }
}

/** Races the probe against its own deadline; `cleanup` closes whatever the probe left open. */
export async function withTimeout<T>(ms: number, run: (signal: AbortSignal) => Promise<T>, cleanup?: () => void): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      cleanup?.();
      reject(new ProbeTimeout(ms));
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns socket errors into words an on-call engineer recognises. */
export function describeNetworkError(err: unknown): string {
  if (err instanceof ProbeTimeout) return err.message;
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e.code ?? e.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'CERT_HAS_EXPIRED':
      return 'TLS certificate expired';
    default:
      return (e.cause?.message ?? e.message ?? String(err)).split('\n')[0] ?? 'failed';
  }
}
