import type { Actor } from './identity.js';

/**
 * Why `confirmer` cannot be the second person for what `requester` asked, as one sentence, or null
 * when they are two people. The same user on the same platform is one person; so are two console
 * users run by the same OS account, whatever names `--as` gave them (the OS account is the console's
 * only real identity). Users of different platforms cannot be compared and count as two.
 */
export function notASecondPerson(requester: Actor, confirmer: Actor, title: string, role: string): string | null {
  if (requester.platform === confirmer.platform && requester.id === confirmer.id) {
    return `${title} was requested by you; someone else with the "${role}" role must confirm it. Nothing was run.`;
  }
  if (requester.osUser !== undefined && requester.osUser === confirmer.osUser) {
    return `A second person must confirm: you (OS user ${requester.osUser}) requested this as ${requester.name}, and --as does not make you someone else. Nothing was run.`;
  }
  return null;
}
