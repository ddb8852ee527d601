// A crate alias of `Result`, re-exported under another name.
pub async fn handle(input: Option<u8>) -> crate::Res<u8> {
    Ok(input.unwrap()) //~ unwrap-in-fallible-async
}
