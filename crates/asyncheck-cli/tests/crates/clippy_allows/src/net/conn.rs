pub fn first(bytes: &[u8]) -> Option<u8> {
    let Some(byte) = bytes.first() else {
        return None;
    };
    Some(*byte)
}
