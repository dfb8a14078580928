/** The tag byte that starts every encoded value (values.ts; typed.ts and fields.ts write and read some of them). */
export const enum Tag {
  Undefined = 0,
  Null,
  False,
  True,
  Int32,
  Float64,
  String,
  Array,
  Object,
  TypedInline,
  TypedSegment,
  BigInt,
  Map,
  Set,
  Date,
  Error,
  Extension,
  /** An instance of a registered user class: its name, then its packed data. */
  Instance,
  RegExp,
  /** A registered class itself, by name. */
  Class,
  /** An Error with a `cause`: as Error, then the cause (a tag of its own: Error's bytes are unchanged, so are saved checkpoints). */
  ErrorWithCause,
}
