//! Log outputs: CSV, the printed table, TensorBoard records and learning-curve PNGs.

mod common;

use bevy_mimic::learning::log_row::LogRow;
use bevy_mimic::train::logger::{TrainLogger, format_table};
use bevy_mimic::train::plot::plot_log;
use bevy_mimic::train::tensorboard::{EventWriter, masked_crc};
use common::TempDir;

#[test]
fn csv_keeps_columns_and_appends() {
    let dir = TempDir::new("csv");
    let mut row = LogRow::new();
    row.set("Iteration", 1.0);
    row.set("Samples", 100.0);
    row.set("Train_Return", 9.5);
    {
        let mut log = TrainLogger::open(dir.path(), false).unwrap();
        log.write(&row).unwrap();
    }
    row.set("Iteration", 2.0);
    row.set("Extra", 1.0);
    {
        let mut log = TrainLogger::open(dir.path(), true).unwrap();
        log.write(&row).unwrap();
    }
    let text = std::fs::read_to_string(dir.path().join("log.csv")).unwrap();
    assert_eq!(
        text,
        "Iteration,Samples,Train_Return\n1,100,9.5\n2,100,9.5\n"
    );
    let table = format_table(&row);
    assert!(table.contains("Train_Return | 9.50000"), "{table}");
}

#[test]
fn tensorboard_records_frame_and_parse_back() {
    // The CRC is CRC-32C (Castagnoli): its standard check value.
    assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    let dir = TempDir::new("tb");
    let mut w = EventWriter::create(dir.path()).unwrap();
    w.scalars(7, [("Train_Return", 12.5)]).unwrap();
    drop(w);
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(
        file.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("events.out.tfevents.")
    );
    let bytes = std::fs::read(file).unwrap();
    // Walk the records: each is len(8) crc(4) data crc(4), with valid checksums.
    let mut at = 0;
    let mut records = Vec::new();
    while at < bytes.len() {
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let len_crc = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap());
        assert_eq!(len_crc, masked_crc(&bytes[at..at + 8]));
        let data = &bytes[at + 12..at + 12 + len];
        let crc = u32::from_le_bytes(bytes[at + 12 + len..at + 16 + len].try_into().unwrap());
        assert_eq!(crc, masked_crc(data));
        records.push(data.to_vec());
        at += 16 + len;
    }
    assert_eq!(records.len(), 2);
    assert!(records[0].ends_with(b"brain.Event:2"));
    let scalar = &records[1];
    let tag_at = scalar
        .windows(12)
        .position(|w| w == b"Train_Return")
        .unwrap();
    // The tag is followed by the float field header and 12.5f32.
    assert_eq!(scalar[tag_at + 12], 2 << 3 | 5);
    assert_eq!(&scalar[tag_at + 13..tag_at + 17], &12.5f32.to_le_bytes());
}

#[test]
fn plots_a_log_to_a_png() {
    let dir = TempDir::new("plot");
    let log = dir.path().join("log.csv");
    std::fs::write(
        &log,
        "Iteration,Samples,Train_Return,Test_Return\n1,10,1.5,\n2,20,2.5,3\n3,30,4,5\n",
    )
    .unwrap();
    let png_path = dir.path().join("curve.png");
    plot_log(&log, &png_path, &[]).unwrap();
    let bytes = std::fs::read(&png_path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    // Two panels (Train_Return, Test_Return) side by side.
    assert_eq!(reader.info().width, 840);
    let e = plot_log(&log, &png_path, &["Nope".into()]).unwrap_err();
    assert!(e.to_string().contains("Nope"));
}

/// One iteration (with its test) of the CPU DeepMimic or AMP preset on 4 envs, its env file
/// edited by `env_edits`.
fn character_iteration(agent: &str, env: &str, env_edits: &[(&str, &str)]) -> LogRow {
    use bevy_mimic::learning::device::Backend;
    let dir = TempDir::new("tracking-log");
    let mut t = bevy_mimic::train::Trainer::new(
        &common::config_path(agent),
        common::config_text(agent, &[("test_episodes", "4"), ("steps_per_iter", "8")]),
        &common::config_path(env),
        common::config_text(env, env_edits),
        common::options(dir.path(), 4, 1, 5),
        Backend::Flex.device(),
    )
    .unwrap();
    t.train_iteration().unwrap()
}

#[test]
fn log_tracking_error_logs_the_test_episodes_tracking_errors() {
    let tracking = [
        "Root_Pos",
        "Root_Rot",
        "Body_Pos",
        "Body_Rot",
        "Dof_Vel",
        "Root_Vel",
        "Root_Ang_Vel",
    ];
    let dm = (
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        "envs/deepmimic_humanoid_walk.yaml",
    );
    let on = character_iteration(dm.0, dm.1, &[("log_tracking_error", "true")]);
    for name in tracking {
        // MimicKit's seven errors, for the test episodes and (as always for DeepMimic) training.
        let test = on.get(&format!("Test_Tracking_{name}_Err"));
        assert!(
            test.is_some_and(|v| v.is_finite() && v >= 0.0),
            "{name}: {test:?}"
        );
        assert!(on.get(&format!("Tracking_{name}_Err")).is_some(), "{name}");
    }
    let off = character_iteration(dm.0, dm.1, &[]);
    assert!(off.get("Test_Tracking_Root_Pos_Err").is_none());
    assert!(off.get("Tracking_Root_Pos_Err").is_some());
    // AMP tracks the clip each episode started from only when asked.
    let amp = (
        "agents/amp_humanoid_cpu.yaml",
        "envs/amp_humanoid_walk.yaml",
    );
    assert!(
        character_iteration(amp.0, amp.1, &[])
            .get("Tracking_Body_Pos_Err")
            .is_none()
    );
    let on = character_iteration(amp.0, amp.1, &[("log_tracking_error", "true")]);
    assert!(
        on.get("Test_Tracking_Body_Rot_Err")
            .is_some_and(f64::is_finite)
    );
    assert!(on.get("Tracking_Body_Pos_Err").is_some_and(f64::is_finite));
}
