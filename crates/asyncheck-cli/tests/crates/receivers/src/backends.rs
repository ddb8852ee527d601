use tokio::runtime::Runtime;

pub struct KmsBackend {
    runtime: Runtime,
}

impl KmsBackend {
    pub fn encrypt(&self) -> u8 {
        self.runtime.block_on(async { 1 }) //~ block-on-in-async
    }
}

pub struct MemBackend;

impl MemBackend {
    pub fn encrypt(&self) -> u8 {
        0
    }
}

pub struct Vault {
    runtime: Runtime,
}

impl Vault {
    // Reached from no async code: `state.plain.unseal()` is `Plain`'s.
    pub fn unseal(&self) -> u8 {
        self.runtime.block_on(async { 2 })
    }
}

pub struct Plain;

impl Plain {
    pub fn unseal(&self) -> u8 {
        3
    }
}
