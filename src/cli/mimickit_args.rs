//! MimicKit's way of calling its runner: `--arg_file FILE` in the syntax of MimicKit's
//! `args/*.txt` (`--key value ...` tokens, `#` comments) and `--mode train|test`, translated into
//! our subcommands. As in MimicKit, a key given on the command line wins over the file's.

use std::collections::BTreeMap;
use std::path::Path;

/// Our subcommands: a command line starting with one of them keeps it.
const SUBCOMMANDS: &[&str] = &[
    "train",
    "test",
    "skills",
    "convert",
    "sim-bench",
    "view",
    "view-motion",
    "plot",
    "ship",
    "help",
];

/// MimicKit keys that carry over as the same flag, per subcommand.
const TRAIN_KEYS: &[&str] = &[
    "agent_config",
    "env_config",
    "engine_config",
    "num_envs",
    "max_samples",
    "out_dir",
    "rand_seed",
    "model_file",
];
const TEST_KEYS: &[&str] = &[
    "model_file",
    "env_config",
    "num_envs",
    "test_episodes",
    "rand_seed",
];

/// One `--key v1 v2 ...` table, in MimicKit's rule: the first occurrence of a key wins.
#[derive(Debug, Default)]
struct ArgTable {
    entries: BTreeMap<String, Vec<String>>,
}

impl ArgTable {
    /// Adds `tokens`; keys already present keep their values.
    fn load(&mut self, tokens: &[String], origin: &str) -> Result<(), String> {
        let mut key: Option<String> = None;
        let mut vals = Vec::new();
        let flush = |key: Option<String>, vals: Vec<String>, t: &mut Self| {
            if let Some(k) = key {
                t.entries.entry(k).or_insert(vals);
            }
        };
        for tok in tokens {
            if let Some(k) = tok.strip_prefix("--") {
                flush(key.take(), std::mem::take(&mut vals), self);
                key = Some(k.to_string());
            } else if key.is_some() {
                vals.push(tok.clone());
            } else {
                return Err(format!("{origin}: `{tok}` comes before any `--key`"));
            }
        }
        flush(key, vals, self);
        Ok(())
    }

    fn one(&self, key: &str) -> Option<&str> {
        self.entries
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn flag(&self, key: &str, origin: &str) -> Result<Option<bool>, String> {
        match self.one(key) {
            None if self.entries.contains_key(key) => Ok(Some(true)),
            None => Ok(None),
            Some("true" | "True" | "1") => Ok(Some(true)),
            Some("false" | "False" | "0") => Ok(Some(false)),
            Some(v) => Err(format!(
                "{origin}: `--{key}` must be true or false, got `{v}`"
            )),
        }
    }
}

/// The tokens of an args file: whitespace-separated, lines starting with `#` left out.
fn file_tokens(path: &Path) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--arg_file {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split_whitespace().map(str::to_string))
        .collect())
}

/// `argv` (program name first) with `--arg_file` and MimicKit's flags turned into one of our
/// subcommands; unchanged when it uses neither `--arg_file` nor `--mode`. Notes on what a
/// MimicKit flag means here go to stderr; flags that cannot mean anything here are errors that
/// name them.
pub fn translate(argv: Vec<String>) -> Result<Vec<String>, String> {
    let rest = &argv[1.min(argv.len())..];
    let uses_mimickit = rest.iter().any(|a| a == "--arg_file" || a == "--mode");
    if !uses_mimickit {
        return Ok(argv);
    }
    let (sub, tokens) = match rest.first() {
        Some(s) if SUBCOMMANDS.contains(&s.as_str()) => (Some(s.clone()), &rest[1..]),
        _ => (None, rest),
    };
    let mut table = ArgTable::default();
    table.load(tokens, "command line")?;
    let file = table.one("arg_file").map(str::to_string);
    let origin = match &file {
        Some(f) => {
            table.load(&file_tokens(Path::new(f))?, f)?;
            format!("--arg_file {f}")
        }
        None => "command line".to_string(),
    };
    let mode = table.one("mode").unwrap_or("train").to_string();
    let sub = match sub {
        Some(s) => s,
        None => match mode.as_str() {
            "train" | "test" => mode.clone(),
            other => {
                return Err(format!(
                    "{origin}: `--mode {other}`: the modes are train and test"
                ));
            }
        },
    };
    let (keys, bool_keys): (&[&str], &[&str]) = match sub.as_str() {
        "train" => (TRAIN_KEYS, &["save_int_models"]),
        "test" => (TEST_KEYS, &[]),
        other => {
            return Err(format!(
                "--arg_file works with train and test, not `{other}`"
            ));
        }
    };
    let mut out = vec![argv[0].clone(), sub.clone()];
    for (key, vals) in &table.entries {
        let k = key.as_str();
        if keys.contains(&k) {
            let v = table
                .one(k)
                .ok_or_else(|| format!("{origin}: `--{k}` needs a value"))?;
            out.extend([format!("--{k}"), v.to_string()]);
        } else if bool_keys.contains(&k) {
            if table.flag(k, &origin)? == Some(true) {
                out.push(format!("--{k}"));
            }
        } else {
            translate_other(k, vals, &sub, &table, &origin, &mut out)?;
        }
    }
    Ok(out)
}

/// MimicKit keys that are not one of our flags under the same name.
fn translate_other(
    key: &str,
    vals: &[String],
    sub: &str,
    table: &ArgTable,
    origin: &str,
    out: &mut Vec<String>,
) -> Result<(), String> {
    match key {
        "arg_file" | "mode" => {}
        "visualize" => {
            if table.flag(key, origin)? != Some(false) {
                eprintln!(
                    "note: --visualize: `{sub}` runs headless here; to watch, run `bevy_mimic view` \
                     with the same configs (or `view --model_file` for a checkpoint)"
                );
            }
        }
        "devices" => {
            // MimicKit's devices are torch devices (cuda:0, cpu); one device runs here.
            let device = match vals.first().map(String::as_str) {
                Some("cpu") | None => "cpu",
                Some(d) if d.starts_with("cuda") => {
                    eprintln!(
                        "note: --devices {d}: running on the wgpu backend's GPU if built with it"
                    );
                    "wgpu"
                }
                Some(d) => return Err(format!("{origin}: `--devices {d}`: use cpu or cuda:N")),
            };
            if vals.len() > 1 {
                eprintln!(
                    "note: --devices lists {} devices; one process on one device runs here",
                    vals.len()
                );
            }
            out.extend(["--device".to_string(), device.to_string()]);
        }
        "logger" => match vals.first().map(String::as_str) {
            Some("txt" | "tb") | None => {
                eprintln!("note: --logger: every run writes log.csv and a TensorBoard file");
            }
            Some(other) => {
                return Err(format!(
                    "{origin}: `--logger {other}` is not available here (log.csv and TensorBoard \
                     are written always)"
                ));
            }
        },
        "master_port" => eprintln!("note: --master_port: one process runs here; ignored"),
        "engine_config" | "agent_config" if sub == "test" => {
            eprintln!("note: --{key}: `test` uses what the checkpoint stored; ignored")
        }
        "test_episodes" if sub == "train" => {
            eprintln!("note: --test_episodes: training tests with its agent config's test_episodes")
        }
        "int_output_dir" => {
            return Err(format!(
                "{origin}: `--int_output_dir`: intermediate models are written inside out_dir \
                 (with --save_int_models true)"
            ));
        }
        other => {
            return Err(format!(
                "{origin}: `--{other}` is not a flag of MimicKit's runner that `{sub}` knows"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        std::iter::once("bevy_mimic")
            .chain(s.split_whitespace())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_command_line_without_mimickits_flags_is_left_alone() {
        let a = args("train --num_envs 4");
        assert_eq!(translate(a.clone()).unwrap(), a);
    }

    #[test]
    fn the_command_line_wins_over_the_arg_file() {
        let dir = std::env::temp_dir().join(format!("bm_args_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("deepmimic_humanoid_ppo_args.txt");
        std::fs::write(
            &file,
            "--num_envs 4096\n\n# a comment\n--engine_config data/engines/isaac_gym_engine.yaml\n\
             --env_config data/envs/deepmimic_humanoid_env.yaml\n\
             --agent_config data/agents/deepmimic_humanoid_ppo_agent.yaml\n\n--out_dir output/",
        )
        .unwrap();
        let out = translate(args(&format!(
            "--arg_file {} --num_envs 64 --visualize false --mode train",
            file.display()
        )))
        .unwrap();
        let s = out.join(" ");
        assert!(s.starts_with("bevy_mimic train "), "{s}");
        assert!(s.contains("--num_envs 64") && !s.contains("4096"), "{s}");
        assert!(
            s.contains("--engine_config data/engines/isaac_gym_engine.yaml"),
            "{s}"
        );
        assert!(s.contains("--out_dir output/"), "{s}");
        let err =
            translate(args(&format!("--arg_file {} --video true", file.display()))).unwrap_err();
        assert!(
            err.contains("--video") && err.contains("deepmimic_humanoid_ppo_args.txt"),
            "{err}"
        );
        let err = translate(args("--mode play")).unwrap_err();
        assert!(err.contains("--mode play"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
