// Operators are written on the core's primitives, one per file, as extensions of the core's
// stream types. Importing `Operators` brings the core with it, so pipelines need one import.
@_exported import Stream
