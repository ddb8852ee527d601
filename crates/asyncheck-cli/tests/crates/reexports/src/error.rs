pub type Fallible<T> = std::result::Result<T, String>;
