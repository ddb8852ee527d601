//! Receivers whose type the crate knows from elsewhere than an annotation
//! at the call: a field's declared type, what a generic function returns.
mod backends;
mod provider;

use backends::{KmsBackend, MemBackend, Plain, Vault};
use provider::{checked, Reply};

pub struct State {
    backend: MemBackend,
    plain: Plain,
}

pub struct Sealed {
    vault: Vault,
}

impl Sealed {
    pub fn open(&self) -> u8 {
        self.vault.unseal()
    }
}

pub struct Keys {
    kms: KmsBackend,
}

// The field's declared type says which `encrypt` this is: the one in memory.
pub async fn seal(state: &Option<State>) -> u8 {
    let state = state.as_ref().unwrap();
    state.backend.encrypt() + state.plain.unseal()
}

// Here it is the KMS one, which blocks on its runtime.
pub async fn seal_remote(keys: &Keys) -> u8 {
    keys.kms.encrypt() //~ block-on-in-async
}

// A generic function's `T` names no type: `reply.point()` is not the
// blanket impl's blocking `point`.
pub async fn refresh(reply: Result<Reply, String>) -> Result<u64, String> {
    let reply = checked(reply)?;
    Ok(reply.point())
}

mod disks;

pub struct Replicas {
    disks: Vec<disks::Disk>,
    memories: Vec<disks::Memory>,
}

// What a `for` over a field binds has the field's element type.
pub async fn replicate(replicas: &Replicas, bytes: Vec<u8>) {
    for disk in &replicas.disks {
        disk.save(&bytes); //~ blocking-in-async
    }
    for memory in replicas.memories.iter() {
        memory.save(&bytes);
    }
}

// ...and so does one over a parameter of a slice type.
pub async fn replicate_to(disks: &[disks::Disk], bytes: Vec<u8>) {
    for disk in disks {
        disk.save(&bytes); //~ blocking-in-async
    }
}
