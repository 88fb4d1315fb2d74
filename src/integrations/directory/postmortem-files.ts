import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TicketError, type FiledTicket, type TicketDraft, type TicketSystem } from '../../postmortems/ticket-system.js';

/** Incident ids become file names: nothing that could leave the directory or hide the file. */
const FILE_STEM = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/**
 * Post-mortems as Markdown files, `<incident-id>.md` in one directory (for a docs repository, a
 * wiki sync, a shared volume). Written to a temporary file and renamed over the old one, so a reader
 * sees the previous draft or the new one, never half a file.
 */
export class PostmortemDirectory implements TicketSystem {
  readonly system = 'directory';
  readonly label = 'the post-mortem directory';
  private readonly dir: string;

  constructor(path: string) {
    this.dir = resolve(path);
  }

  describe(ref: string): string {
    return `the file ${ref}`;
  }

  create(incidentId: string, draft: TicketDraft): Promise<FiledTicket> {
    return this.write(incidentId, draft);
  }

  update(incidentId: string, _ticket: FiledTicket, draft: TicketDraft): Promise<FiledTicket> {
    return this.write(incidentId, draft);
  }

  private async write(incidentId: string, draft: TicketDraft): Promise<FiledTicket> {
    if (!FILE_STEM.test(incidentId)) throw new TicketError(`The incident id "${incidentId}" cannot be a file name; nothing was written to ${this.dir}.`);
    const file = join(this.dir, `${incidentId}.md`);
    // Dot-prefixed and random: tools that list *.md never pick it up, two writers never share it.
    const temp = join(this.dir, `.${incidentId}.md.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(temp, draft.markdown.endsWith('\n') ? draft.markdown : `${draft.markdown}\n`, { encoding: 'utf8', mode: 0o640 });
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOSPC' ? 'the disk is full' : e.code === 'ENOTDIR' ? 'a part of the path is a file' : (e.code ?? e.message);
      throw new TicketError(`Could not write ${file} (${why}); check postmortems.directory.path and that Firebreak may write there.`);
    }
    return { ref: file, url: null };
  }
}
