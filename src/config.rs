//! Reading YAML config files with errors that name the file and the key.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::env::{EngineOverride, EnvConfig};
use crate::learning::agents::AgentConfig;
use crate::sim::EngineConfig;

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {}{message}", key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// The key path (`model.actor_net`), when the problem is at one key.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Parses `text` (the contents of `file`) as `T`, reporting the failing key path and line.
pub fn parse_yaml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, ConfigError> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let mut key = (path != ".").then_some(path);
        let mut message = e.into_inner().to_string();
        // Tagged enums (the env files' `env_name`) buffer their fields, and serde then loses
        // where an unknown one was: find it in the text.
        if !message.contains(" at line ")
            && let Some(name) = unknown_field(&message)
            && let Some((found, line)) = locate_key(text, name)
        {
            key = Some(found);
            message = format!("{message} at line {line}");
        }
        ConfigError {
            file: file.to_path_buf(),
            key,
            message,
        }
    })
}

/// The field an "unknown field `x`" message names.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.split("unknown field `").nth(1)?;
    rest.split('`').next()
}

/// The key path (`engine.sim_freq`) and 1-based line of the first mapping key `name` in a
/// YAML text, found by indentation.
fn locate_key(text: &str, name: &str) -> Option<(String, usize)> {
    let mut parents: Vec<(usize, &str)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let Some((k, _)) = trimmed.split_once(':') else {
            continue;
        };
        let k = k.trim().trim_matches(['"', '\'']);
        if k.is_empty() || k.contains(' ') || k.starts_with('-') {
            continue;
        }
        parents.retain(|(d, _)| *d < indent);
        if k == name {
            let mut path: Vec<&str> = parents.iter().map(|(_, p)| *p).collect();
            path.push(k);
            return Some((path.join("."), i + 1));
        }
        parents.push((indent, k));
    }
    None
}

/// Reads and parses a YAML file.
pub fn load_yaml<T: DeserializeOwned>(file: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
        file: file.to_path_buf(),
        key: None,
        message: format!("cannot read: {e}"),
    })?;
    parse_yaml(file, &text)
}

fn checked<T>(file: &Path, r: Result<(), (String, String)>, value: T) -> Result<T, ConfigError> {
    r.map(|()| value).map_err(|(key, message)| ConfigError {
        file: file.to_path_buf(),
        key: Some(key),
        message,
    })
}

/// Reads an engine config and checks its values.
pub fn load_engine_config(file: &Path) -> Result<EngineConfig, ConfigError> {
    let config: EngineConfig = load_yaml(file)?;
    config.validate(file).map_err(|e| ConfigError {
        file: file.to_path_buf(),
        key: Some(e.key.to_string()),
        message: e.reason,
    })?;
    Ok(config)
}

/// The env YAML `env_yaml` (from `env_file`) with the engine file's keys added to its `engine:`
/// block; keys the env file already sets win (MimicKit's override rule). The result is what the
/// run stores, so tests and resumes see the same engine.
pub fn merge_engine_config(
    env_file: &Path,
    env_yaml: &str,
    engine_yaml: &str,
) -> Result<String, ConfigError> {
    let engine: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(engine_yaml).map_err(|e| yaml_error(env_file, e.to_string()))?;
    let Some(engine_map) = engine.as_mapping() else {
        return Err(yaml_error(
            env_file,
            "the env and engine files must be YAML mappings".into(),
        ));
    };
    edit_engine_block(env_file, env_yaml, |block| {
        for (k, v) in engine_map {
            if !block.contains_key(k) {
                block.insert(k.clone(), v.clone());
            }
        }
    })
}

/// The env YAML `env_yaml` (from `env_file`) with the engine changes of `over` (`--engine`,
/// `--sim_freq`) whatever its `engine:` block said; the result is what a run stores. Unchanged
/// without any.
pub fn override_engine(
    env_file: &Path,
    env_yaml: &str,
    over: &EngineOverride,
) -> Result<String, ConfigError> {
    if over.is_empty() {
        return Ok(env_yaml.to_string());
    }
    edit_engine_block(env_file, env_yaml, |block| {
        if let Some(name) = &over.engine_name {
            block.insert("engine_name".into(), name.as_str().into());
        }
        if let Some(hz) = over.sim_freq {
            block.insert("sim_freq".into(), f64::from(hz).into());
        }
    })
}

fn yaml_error(file: &Path, message: String) -> ConfigError {
    ConfigError {
        file: file.to_path_buf(),
        key: None,
        message,
    }
}

/// `env_yaml` with `edit` applied to its `engine:` block (created when absent).
fn edit_engine_block(
    env_file: &Path,
    env_yaml: &str,
    edit: impl FnOnce(&mut serde_yaml_ng::Mapping),
) -> Result<String, ConfigError> {
    use serde_yaml_ng::{Mapping, Value};
    let mut env: Value =
        serde_yaml_ng::from_str(env_yaml).map_err(|e| yaml_error(env_file, e.to_string()))?;
    let Some(env_map) = env.as_mapping_mut() else {
        return Err(yaml_error(
            env_file,
            "the env and engine files must be YAML mappings".into(),
        ));
    };
    let block = env_map
        .entry(Value::from("engine"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    let Some(block) = block.as_mapping_mut() else {
        return Err(ConfigError {
            file: env_file.to_path_buf(),
            key: Some("engine".into()),
            message: "must be a mapping of engine keys".into(),
        });
    };
    edit(block);
    serde_yaml_ng::to_string(&env).map_err(|e| yaml_error(env_file, e.to_string()))
}

/// Reads an agent config and checks its values.
pub fn load_agent_config(file: &Path) -> Result<AgentConfig, ConfigError> {
    let config: AgentConfig = load_yaml(file)?;
    checked(file, config.validate(), config)
}

/// Parses an agent config from text (as stored in a checkpoint) and checks its values.
pub fn parse_agent_config(file: &Path, text: &str) -> Result<AgentConfig, ConfigError> {
    let config: AgentConfig = parse_yaml(file, text)?;
    checked(file, config.validate(), config)
}

/// Reads an env config and checks its values.
pub fn load_env_config(file: &Path) -> Result<EnvConfig, ConfigError> {
    let config: EnvConfig = load_yaml(file)?;
    checked(file, config.validate(), config)
}

/// Parses an env config from text and checks its values.
pub fn parse_env_config(file: &Path, text: &str) -> Result<EnvConfig, ConfigError> {
    let mut config: EnvConfig = parse_yaml(file, text)?;
    if let Some(c) = config.character_mut() {
        // Paths are kept as written in the stored text; the parsed config holds where they are.
        let resolve = |key: &str, path: &Path| {
            crate::files::resolve_from(file, path).map_err(|message| ConfigError {
                file: file.to_path_buf(),
                key: Some(key.into()),
                message,
            })
        };
        c.char_file = resolve("char_file", &c.char_file)?;
        if let Some(m) = &c.motion_file {
            c.motion_file = Some(resolve("motion_file", m)?);
        }
    }
    checked(file, config.validate(), config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(text: &str) -> Result<AgentConfig, ConfigError> {
        parse_agent_config(Path::new("agents/x.yaml"), text)
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let e = agent("agent_name: PPO\nmodel:\n  actor_nett: fc_2layers_128units\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("agents/x.yaml:"), "{msg}");
        assert!(msg.contains("actor_nett"), "{msg}");
        assert_eq!(e.key.as_deref(), Some("model.actor_nett"));
    }

    #[test]
    fn an_unknown_env_key_names_file_key_and_line() {
        let text = "env_name: deepmimic\nchar_file: a.xml\nmotion_file: b.bmotion\n\n\
                    enable_phase_ob: true\n";
        let e = parse_env_config(Path::new("envs/x.yaml"), text).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("enable_phase_ob"), "{e}");
        assert!(e.to_string().contains("at line 5"), "{e}");
        let text =
            "env_name: deepmimic\nchar_file: a.xml\nengine:\n  sim_freq: 120\n  sim_frq: 1\n";
        let e = parse_env_config(Path::new("envs/x.yaml"), text).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("engine.sim_frq"), "{e}");
        assert!(e.to_string().contains("at line 5"), "{e}");
    }

    #[test]
    fn bad_value_names_key() {
        let e = agent("agent_name: PPO\ndiscount: 1.5\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discount"));
        let e = agent("agent_name: PPO\nactor_optimizer: {type: SGD, learning_rate: -1}\n")
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("actor_optimizer"));
        let e = agent("agent_name: PPO\nsteps_per_iter: many\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("steps_per_iter"), "{e}");
        let e = agent("agent_name: PPQ\n").unwrap_err();
        assert!(e.to_string().contains("PPQ"), "{e}");
    }

    #[test]
    fn defaults_are_mimickits() {
        let c = agent("agent_name: PPO\n").unwrap();
        assert_eq!(c.discount, 0.99);
        assert_eq!(c.td_lambda, 0.95);
        assert_eq!(c.steps_per_iter, 32);
        assert_eq!(c.model.action_std, 0.05);
        assert_eq!(c.model.actor_net, "fc_2layers_1024units");
        assert_eq!(c.actor_optimizer().learning_rate, 1e-4);
        assert_eq!(c.action_bound_weight, 10.0);
        assert_eq!(c.norm_adv_clip, 4.0);
    }

    #[test]
    fn env_configs_select_by_name_and_reject_unknown_keys() {
        let f = Path::new("envs/e.yaml");
        assert!(matches!(
            parse_env_config(f, "env_name: cartpole\n").unwrap(),
            EnvConfig::CartPole(_)
        ));
        let e = parse_env_config(f, "env_name: pendulum\nepisode_lenght: 3\n").unwrap_err();
        assert!(e.to_string().contains("episode_lenght"), "{e}");
        let e = parse_env_config(f, "env_name: cartpole\nepisode_length: -1\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("episode_length"));
        let e = parse_env_config(f, "env_name: walker\n").unwrap_err();
        assert!(e.to_string().contains("walker"), "{e}");
    }
}
