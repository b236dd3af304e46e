//! Attribute values: numbers, vectors, angles (degrees or radians) and orientations (`quat`,
//! `euler`, `axisangle`), each checked and reported with the element and attribute.

use glam::{Quat, Vec3};

use super::{El, MjcfError, Parser};

impl Parser<'_, '_> {
    pub(super) fn floats(
        &self,
        el: El,
        name: &str,
        n: usize,
    ) -> Result<Option<Vec<f32>>, MjcfError> {
        let Some(text) = self.attr(el, name) else {
            return Ok(None);
        };
        let values: Result<Vec<f32>, _> = text.split_whitespace().map(str::parse::<f32>).collect();
        match values {
            Ok(v) if v.len() == n && v.iter().all(|x| x.is_finite()) => Ok(Some(v)),
            Ok(v) if v.iter().all(|x| x.is_finite()) => Err(self.err(
                el.node,
                Some(name),
                format!("expects {n} numbers, got {}", v.len()),
            )),
            _ => Err(self.err(
                el.node,
                Some(name),
                format!("`{text}` is not {n} finite numbers"),
            )),
        }
    }

    pub(super) fn float(&self, el: El, name: &str) -> Result<Option<f32>, MjcfError> {
        Ok(self.floats(el, name, 1)?.map(|v| v[0]))
    }

    pub(super) fn vec3(&self, el: El, name: &str) -> Result<Option<Vec3>, MjcfError> {
        Ok(self
            .floats(el, name, 3)?
            .map(|v| Vec3::new(v[0], v[1], v[2])))
    }

    pub(super) fn angle(&self, v: f32) -> f32 {
        if self.degrees { v.to_radians() } else { v }
    }

    /// Orientation from `quat` (w x y z), `euler` or `axisangle`.
    pub(super) fn orientation(&self, el: El) -> Result<Quat, MjcfError> {
        if let Some(q) = self.floats(el, "quat", 4)? {
            let q = Quat::from_xyzw(q[1], q[2], q[3], q[0]);
            if q.length() < 1e-6 {
                return Err(self.err(el.node, Some("quat"), "is zero"));
            }
            return Ok(q.normalize());
        }
        if let Some(e) = self.vec3(el, "euler")? {
            let mut q = Quat::IDENTITY;
            for (i, c) in self.eulerseq.chars().enumerate() {
                let axis = match c.to_ascii_lowercase() {
                    'x' => Vec3::X,
                    'y' => Vec3::Y,
                    _ => Vec3::Z,
                };
                let r = Quat::from_axis_angle(axis, self.angle(e[i]));
                // Lower case: intrinsic (rotate about moving axes); upper case: extrinsic.
                q = if c.is_ascii_lowercase() { q * r } else { r * q };
            }
            return Ok(q);
        }
        if let Some(aa) = self.floats(el, "axisangle", 4)? {
            let axis = Vec3::new(aa[0], aa[1], aa[2]);
            if axis.length() < 1e-6 {
                return Err(self.err(el.node, Some("axisangle"), "has a zero axis"));
            }
            return Ok(Quat::from_axis_angle(axis.normalize(), self.angle(aa[3])));
        }
        Ok(Quat::IDENTITY)
    }
}
