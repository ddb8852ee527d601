//! Functions that return a lock's guard: a call of one takes the lock, and
//! the caller holds the guard as if it had locked it itself.
mod other;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::{RwLock, RwLockReadGuard, Semaphore, SemaphorePermit};

pub struct State { n: u32 }

pub struct Server {
    state: Mutex<State>,
    catalog: RwLock<Vec<u32>>,
    limit: Semaphore,
}

impl Server {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    async fn catalog(&self) -> RwLockReadGuard<'_, Vec<u32>> {
        self.catalog.read().await
    }

    async fn permit(&self) -> SemaphorePermit<'_> {
        self.limit.acquire().await.unwrap()
    }

    fn bump(&self) {
        let state = self.state();
        let again = self.state(); //~ double-lock
        drop((state, again));
    }

    fn bump_direct(&self) {
        let state = self.state();
        self.state.lock().unwrap().n += 1; //~ double-lock
        drop(state);
    }

    fn fine(&self) {
        self.state().n += 1;
        self.state().n += 1;
    }

    async fn rename(&self) {
        let catalog = self.catalog().await;
        let mut w = self.catalog.write().await; //~ double-lock
        w.push(catalog.len() as u32);
    }

    async fn work(&self) {
        let _permit = self.permit().await;
        self.step().await; //~ double-lock
    }

    async fn step(&self) {
        let _p = self.limit.acquire().await.unwrap();
    }
}
