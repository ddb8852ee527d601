use crate::prelude::RwLock;
use crate::sync::FastMutex;

pub struct State {
    pub peers: FastMutex<Vec<u32>>,
    pub routes: RwLock<Vec<u32>>,
    pub direct: crate::sync::FastMutex<u32>,
}
