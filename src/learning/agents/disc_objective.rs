//! The discriminator's objective (AMP's, ADD's and ASE's): the loss of one batch of negatives
//! and positives, with MimicKit's terms and key names, and the style reward of a logit.

use burn::tensor::Tensor;

use super::LossTerms;
use crate::learning::models::Discriminator;

/// The discriminator terms of the summed loss, with MimicKit's key names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiscObjective {
    /// Weight of the gradient penalty (`disc_grad_penalty`, 5 for AMP, 2 for ADD).
    pub grad_penalty: f32,
    /// Weight of `Σ W_logit²` (`disc_logit_reg`, 0.01).
    pub logit_reg: f32,
    /// Scale of the style reward (`disc_reward_scale`, 2).
    pub reward_scale: f32,
    /// Weight of `Σ W²` over all the discriminator's weights (`disc_weight_decay` of
    /// MimicKit's earlier schema; 0 in the current one, which decays in the optimizer).
    pub weight_decay: f32,
}

/// `ln(1 + eˣ)`, stable for large |x|.
fn softplus(x: Tensor<2>) -> Tensor<2> {
    let pos = x.clone().clamp_min(0.0);
    pos + x.abs().neg().exp().add_scalar(1.0).log()
}

impl DiscObjective {
    /// The loss of one minibatch: `0.5·[BCE(D(neg), 0) + BCE(D(pos), 1)] + w_gp · 0.5 ·
    /// (mean‖∇D(pos)‖² + mean‖∇D(neg)‖²) + w_reg · Σ W_logit²`, inputs already normalised.
    /// `negatives` are the agent's and replayed windows, `positives` the demo windows.
    pub fn loss(
        &self,
        disc: &Discriminator,
        negatives: Tensor<2>,
        positives: Tensor<2>,
        terms: &mut LossTerms,
    ) -> Tensor<1> {
        let neg_logit = disc.forward(negatives.clone());
        let pos_logit = disc.forward(positives.clone());
        let bce = (softplus(neg_logit.clone()).mean() + softplus(pos_logit.clone().neg()).mean())
            .mul_scalar(0.5);
        // With a zero weight the penalty's extra passes are skipped (and 0 is logged).
        let gp = if self.grad_penalty > 0.0 {
            (disc.grad_penalty(positives) + disc.grad_penalty(negatives)).mul_scalar(0.5)
        } else {
            bce.zeros_like()
        };
        let reg = disc.logit_weight_sq();
        terms.push(("Disc_Loss", bce.clone().detach()));
        terms.push(("Disc_Grad_Penalty", gp.clone().detach()));
        terms.push(("Disc_Logit_Loss", reg.clone().detach()));
        terms.push((
            "Disc_Agent_Acc",
            neg_logit.clone().lower_elem(0.0).float().mean().detach(),
        ));
        terms.push((
            "Disc_Demo_Acc",
            pos_logit.clone().greater_elem(0.0).float().mean().detach(),
        ));
        terms.push(("Disc_Agent_Logit", neg_logit.mean().detach()));
        terms.push(("Disc_Demo_Logit", pos_logit.mean().detach()));
        let loss = bce + gp.mul_scalar(self.grad_penalty) + reg.mul_scalar(self.logit_reg);
        if self.weight_decay > 0.0 {
            let decay = disc.weight_sq();
            terms.push(("Disc_Weight_Decay", decay.clone().detach()));
            return loss + decay.mul_scalar(self.weight_decay);
        }
        loss
    }

    /// The style reward of one logit (no gradient; computed on the host).
    pub fn reward(&self, logit: f32) -> f32 {
        crate::learning::models::style_reward(logit, self.reward_scale)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};
    use rand::SeedableRng;

    use super::*;
    use crate::SeededRng;

    const AMP: DiscObjective = DiscObjective {
        grad_penalty: 5.0,
        logit_reg: 0.01,
        reward_scale: 2.0,
        weight_decay: 0.0,
    };

    fn value(t: &Tensor<1>) -> f32 {
        t.clone().into_scalar::<f32>()
    }

    #[test]
    fn the_style_reward_is_minus_log_one_minus_sigmoid_capped() {
        assert!((AMP.reward(0.0) - 2.0 * 2f32.ln()).abs() < 1e-6);
        assert!((AMP.reward(-3.0) - 2.0 * (1.0 + (-3f32).exp()).ln()).abs() < 1e-5);
        // Sure-demo logits are capped at −ln(1e-4) · 2.
        assert!((AMP.reward(50.0) - 2.0 * 1e4f32.ln()).abs() < 1e-3);
        assert!(AMP.reward(-50.0) < 1e-6);
    }

    #[test]
    fn the_loss_sums_bce_penalty_and_regulariser_as_logged() {
        let dev = Device::flex();
        let mut rng = SeededRng::seed_from_u64(4);
        let disc = Discriminator::new("fc_2layers_128units", 3, 1.0, &mut rng, &dev).unwrap();
        let neg = Tensor::<2>::from_data(
            TensorData::new(vec![0.1f32, -0.4, 0.9, 1.2, 0.3, -0.7], [2, 3]),
            &dev,
        );
        let pos = Tensor::<2>::from_data(TensorData::new(vec![-0.5f32, 0.2, 0.0], [1, 3]), &dev);
        let mut terms = Vec::new();
        let loss = value(&AMP.loss(&disc, neg.clone(), pos.clone(), &mut terms));
        let term = |k: &str| value(&terms.iter().find(|(n, _)| *n == k).unwrap().1);
        let expected =
            term("Disc_Loss") + 5.0 * term("Disc_Grad_Penalty") + 0.01 * term("Disc_Logit_Loss");
        assert!((loss - expected).abs() < 1e-5, "{loss} vs {expected}");
        // BCE by hand from the logits.
        let logits =
            |x: Tensor<2>| -> Vec<f32> { disc.forward(x).into_data().try_to_vec::<f32>().unwrap() };
        let sp = |x: f32| (1.0 + x.exp()).ln();
        let n = logits(neg);
        let p = logits(pos);
        let bce = 0.5 * ((sp(n[0]) + sp(n[1])) / 2.0 + sp(-p[0]));
        assert!(
            (term("Disc_Loss") - bce).abs() < 1e-5,
            "{} vs {bce}",
            term("Disc_Loss")
        );
        let acc = (n.iter().filter(|x| **x < 0.0).count()) as f32 / 2.0;
        assert!((term("Disc_Agent_Acc") - acc).abs() < 1e-6);
    }
}
