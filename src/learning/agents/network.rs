//! A network an algorithm adds to the core's actor and critic (AMP's discriminator, ASE's
//! encoder): the copy being trained and the inference copy rewards are computed with, its name
//! in the model file, and its step through the agent's optimizer.

use burn::module::{Module, ParamGroup};
use burn::optim::GradientsParams;
use burn::store::RecordError;
use burn::tensor::Gradients;

use crate::learning::models::NetworkRecords;
use crate::learning::optimizer::{GroupOptimizer, group_of};

/// A network owned by an algorithm.
pub struct OwnedNetwork<M: Module> {
    name: &'static str,
    train: M,
    eval: M,
}

impl<M: Module> OwnedNetwork<M> {
    /// `network` (built on the autodiff device), stored in model files as `name`.
    pub fn new(name: &'static str, network: M) -> Self {
        let eval = network.valid();
        Self {
            name,
            train: network,
            eval,
        }
    }

    /// The copy being trained: loss terms are computed with it.
    pub fn train(&self) -> &M {
        &self.train
    }

    /// The inference copy (no autodiff), as of the last update: rewards and encodings are
    /// computed with it.
    pub fn eval(&self) -> &M {
        &self.eval
    }

    /// Its parameters, as an optimizer group.
    pub fn group(&self) -> ParamGroup {
        group_of(&self.train)
    }

    /// Adds it to a model file's records under its name.
    pub fn save(&self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        records.insert(self.name, self.train.clone())
    }

    /// Loads it from a model file's records (both copies).
    pub fn load(&mut self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        self.train = records.take(self.name, self.train.clone())?;
        self.refresh();
        Ok(())
    }

    /// One optimizer step with its gradients, taken out of `grads`.
    pub fn step(&mut self, grads: &mut Gradients, optim: &mut GroupOptimizer) {
        let own = GradientsParams::from_module(grads, &self.train);
        // The optimizer takes the network by value; the inference copy holds its place.
        let train = std::mem::replace(&mut self.train, self.eval.clone());
        self.train = optim.step(train, own);
    }

    /// Makes the inference copy the trained weights (after an update).
    pub fn refresh(&mut self) {
        self.eval = self.train.valid();
    }
}
