import { z } from 'zod';

/**
 * What an action (or a procedure's `run:` step) shows of its output: filters in the order listed,
 * instead of a shell pipeline. Applied by src/core/output-filters.ts; checked here at load so a bad
 * regex or path is a config error with its path, not a failure at 3 a.m.
 */

/** The most lines head or tail may keep: chat shows about 1,500 characters of output anyway. */
export const OUTPUT_LINES_MAX = 1000;

/** `.services`, `.items[0].name`, `.items[].metadata.name`, `.[0]` (a top-level array), or `.`; the grammar parseJsonPath (src/core/output-filters.ts) reads. */
const JSON_PATH = /^\.(?:[A-Za-z_][A-Za-z0-9_-]*)?(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d{0,9}\])*$/;

const regexSource = z.string().min(1).superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

const lineCount = z.number().int().min(1).max(OUTPUT_LINES_MAX);

const FILTER_KEYS = ['grep', 'cut', 'head', 'tail', 'json', 'count', 'group'] as const;

export const outputFilterSchema = z
  .object({
    /** Lines matching (or, with invert, not matching) a regular expression; a string is the pattern. */
    grep: z
      .union([
        regexSource,
        z.object({ pattern: regexSource, invert: z.boolean().default(false), ignore_case: z.boolean().default(false) }).strict(),
      ])
      .optional(),
    /**
     * Fields of each line, like `cut -d' ' -f5-`: "3", "2-", "2-4" (counted from 1). A line without
     * the delimiter stays as it is. Drops what makes equal lines differ (timestamps) before `group`.
     */
    cut: z
      .object({
        delimiter: z.string().length(1, 'must be one character').default(' '),
        fields: z.string().regex(/^[1-9]\d{0,3}(?:-(?:[1-9]\d{0,3})?)?$/, 'must be N, N- or N-M (fields counted from 1)'),
      })
      .strict()
      .superRefine((c, ctx) => {
        const [from, to] = c.fields.split('-').map(Number);
        if (to !== undefined && to !== 0 && from !== undefined && to < from) ctx.addIssue({ code: 'custom', path: ['fields'], message: `ends before it starts (${c.fields})` });
      })
      .optional(),
    head: lineCount.optional(),
    tail: lineCount.optional(),
    /** A path into a JSON body; what it selects becomes lines (an array of scalars one per line, else pretty JSON). */
    json: z.string().regex(JSON_PATH, 'must be a JSON path such as .services, .items[0].name or .items[].name').optional(),
    /** The number of lines (after the filters before it: `grep` then `count` counts matches). */
    count: z.literal(true).optional(),
    /** Identical lines counted, most frequent first (`sort | uniq -c | sort -rn`). */
    group: z.literal(true).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const set = FILTER_KEYS.filter((k) => f[k] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: set.length === 0 ? `needs one of ${FILTER_KEYS.join(', ')}` : `has ${set.join(' and ')}; write one filter per list item (they apply in order)`,
      });
    }
  });
export type OutputFilterConfig = z.infer<typeof outputFilterSchema>;

export const outputFiltersSchema = z.array(outputFilterSchema).max(20);

/** Exit codes that count as success: grep exits 1 when it found nothing, which is an answer, not a failure. */
export const expectExitSchema = z
  .array(z.number().int().min(0).max(255))
  .min(1)
  .refine((codes) => new Set(codes).size === codes.length, 'lists an exit code twice');
