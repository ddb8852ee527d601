#[derive(Debug)]
pub struct Error;

/// The crate's result type, named without `Result`.
pub type Fallible<T> = std::result::Result<T, Error>;

/// Not a result: a report that happens to be generic.
pub type Report<T> = Vec<T>;

/// Not a result either, whatever its name says.
pub type BatchResult = Vec<u16>;
