/// A store whose writes block the thread.
pub struct Disk {
    pub path: String,
}

impl Disk {
    pub fn save(&self, bytes: &[u8]) {
        std::fs::write(&self.path, bytes).unwrap_or_default();
    }
}

/// Another type with a method of the same name that does not block.
pub struct Memory;

impl Memory {
    pub fn save(&self, _bytes: &[u8]) {}
}
