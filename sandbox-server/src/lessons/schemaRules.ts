// The building block of the lesson format's schemas (front matter, check kinds): a rule
// that a value follows, with the words the reference uses for it.

/** A rule a setting's value follows: what it is called in the reference, and a check
 * answering a complaint or undefined. T is the value's type once it passed. */
export interface Rule<T> {
  says: string;
  check: (value: unknown) => string | undefined;
  /** Never set: carries T for SpecOf. */
  readonly type?: T;
}

export function rule<T>(says: string, check: (value: unknown) => string | undefined): Rule<T> {
  return { says, check };
}

