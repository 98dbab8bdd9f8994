// The last answer to a slow question, kept in memory, so that a page never waits for another
// stack. Other stacks are asked through this host (`pipeline:info`, `stacks:check` over the
// dashboard's ssh path), which waits up to ssh's ConnectTimeout for a stack that does not answer.
// A page reads what was last answered (and how old it is); an answer older than `freshMs` is asked
// again in the background, one question per key at a time however many pages ask (single flight).
// Only a first question, with no answer yet, is waited for, at most `waitMs` and only by the page
// that asked it: then the page says "asking…" and its small script reloads it.

const MAX_ANSWERS = 500;

export interface Answer<T> {
  value: T;
  /** When the answer came. */
  at: Date;
}

export interface Reading<T> {
  answer: Answer<T> | undefined;
  /** A question for this key is on its way (the page may show a newer answer soon). */
  asking: boolean;
}

export interface AnswerCacheOptions {
  /** An answer younger than this is not asked again. */
  freshMs: number;
  /** How long a page waits for a first answer. */
  waitMs: number;
  /** How many answers are kept (fewer when an answer is large, a log). */
  maxAnswers?: number;
  now?: () => Date;
}

export class AnswerCache<T> {
  private readonly answers = new Map<string, Answer<T>>();
  private readonly asking = new Map<string, Promise<void>>();
  private readonly now: () => Date;

  /** ASK must not reject: a stack that does not answer is an answer (T says so). */
  constructor(
    private readonly ask: (key: string) => Promise<T>,
    private readonly options: AnswerCacheOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The last answer for KEY, asking again when it is stale. Only the read that starts a first
   * question waits for it (at most waitMs): a page that finds one already on its way answers at
   * once, so reloads while a stack stays dark cost nothing.
   */
  async read(key: string): Promise<Reading<T>> {
    const answer = this.answers.get(key);
    const started = !answer || this.now().getTime() - answer.at.getTime() >= this.options.freshMs ? this.refresh(key) : false;
    const pending = this.asking.get(key);
    if (!answer && started && pending) await within(pending, this.options.waitMs);
    return { answer: this.answers.get(key), asking: this.asking.has(key) };
  }

  /** Starts a question for KEY unless one is on its way; whether it started one. */
  private refresh(key: string): boolean {
    if (this.asking.has(key)) return false;
    const question = Promise.resolve()
      .then(() => this.ask(key))
      .then(
        (value) => {
          // Keys are pipelines, stacks and source releases of this host: few, but bounded all the same.
          this.answers.delete(key);
          this.answers.set(key, { value, at: this.now() });
          if (this.answers.size > (this.options.maxAnswers ?? MAX_ANSWERS)) this.answers.delete(this.answers.keys().next().value!);
        },
        // An asker that broke its promise leaves the last answer; the next read asks again.
        () => undefined,
      )
      .finally(() => this.asking.delete(key));
    this.asking.set(key, question);
    return true;
  }
}

/** Resolves when PROMISE settles or after MS, whichever comes first (the timer never holds the process). */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
