//! `demo/frameworks`: runs shaped like the ones the common training libraries log, which look
//! nothing like the tidy demo runs.
//!
//! - A Hugging Face `Trainer` fine-tuning run: the `WandbCallback` logs every
//!   `TrainingArguments` field next to the model config (about 200 flat keys, most of them
//!   `null` or `false`, `id2label` a big nested map); `_step` counts `log` calls, not optimizer
//!   steps (that is `train/global_step`); evaluation rows are log calls of their own, so `eval/*`
//!   never shares a `_step` with `train/*`; `train/epoch` is fractional. The gradient norm
//!   explodes once, a loss spike follows, and `eval/loss` overfits (best well before the end).
//! - A PyTorch Lightning run: `*_step`/`*_epoch` keys, `trainer/global_step`, an integer
//!   `epoch`, `val_acc` (higher is better) peaking before the end, keys and a display name with
//!   commas, quotes, spaces and non-ASCII letters, and a summary of 100 per-class accuracies.
//! - A Keras run (`WandbMetricsLogger`): one row per epoch, `epoch/*` keys, `epoch/val_accuracy`.
//!
//! The emulator's key cadences are progressions (`offset + k * every`), so the Trainer's train
//! rows sit on even `_step`s and its evaluation rows (every 2,500 optimizer steps) on every
//! 250th odd one; the odd rows in
//! between carry only W&B's own keys. Nothing reads those rows but `historyLineCount`.

use serde_json::{json, Map, Value};

use crate::model::run::Project;
use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{decay, project, RunSpec};

pub const PROJECT: &str = "frameworks";

/// The Trainer run's planted facts.
pub mod trainer {
    pub const ID: &str = "hftrnr01";
    /// `_step` of the last row (a train row); `train/global_step` is then 1,200,000.
    pub const LAST_STEP: u64 = 239_998;
    /// Optimizer steps per train log call (`logging_steps`).
    pub const LOGGING_STEPS: u64 = 10;
    /// Optimizer steps per epoch (`train/epoch` is global_step / this, two decimals).
    pub const STEPS_PER_EPOCH: f64 = 8_421.0;
    /// `_step` where `train/grad_norm` jumps ×40 (and stays); `train/loss` triples from
    /// `LOSS_SPIKE_FROM` for 600 log calls.
    pub const EXPLOSION_STEP: u64 = 150_000;
    pub const LOSS_SPIKE_FROM: u64 = 150_004;
    /// The evaluation row (odd `_step`) where `eval/loss` is lowest.
    pub const BEST_EVAL_STEP: u64 = 70_001;

    /// `train/global_step` on the train row at `_step` (even).
    pub fn global_step(step: u64) -> u64 {
        (step / 2 + 1) * LOGGING_STEPS
    }
}

/// The Lightning run's planted facts.
pub mod lightning {
    pub const ID: &str = "ltng0002";
    pub const NAME: &str = "resnet50 \"bs=256, lr=0.1\"";
    /// Log calls per epoch (`log_every_n_steps` = 50 optimizer steps each).
    pub const ROWS_PER_EPOCH: u64 = 40;
    pub const LAST_STEP: u64 = 3_599;
    /// The epoch-end row where `val_acc` peaks.
    pub const BEST_VAL_STEP: u64 = 2_399;
    /// A key a comma-separated `--keys` cannot carry.
    pub const ODD_KEY: &str = "val/acc, top-5 (%)";
    pub const UNICODE_KEY: &str = "val/précision";
}

/// The Keras run's planted facts.
pub mod keras {
    pub const ID: &str = "keras003";
    pub const EPOCHS: u64 = 100;
}

/// A JSON object written out as text (too big for `json!`'s recursion limit).
fn literal(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON literal")
}

fn linear(slope: f64, intercept: f64, decimals: Option<i32>) -> Curve {
    Curve::Linear {
        slope,
        intercept,
        decimals,
    }
}

/// What the `Trainer`'s `WandbCallback` stores as config: `TrainingArguments` merged with the
/// model config, flat, as `transformers` 4.4x writes them.
fn trainer_config() -> Value {
    let labels = [
        "alt.atheism",
        "comp.graphics",
        "comp.os.ms-windows.misc",
        "comp.sys.ibm.pc.hardware",
        "comp.sys.mac.hardware",
        "comp.windows.x",
        "misc.forsale",
        "rec.autos",
        "rec.motorcycles",
        "rec.sport.baseball",
        "rec.sport.hockey",
        "sci.crypt",
        "sci.electronics",
        "sci.med",
        "sci.space",
        "soc.religion.christian",
        "talk.politics.guns",
        "talk.politics.mideast",
        "talk.politics.misc",
        "talk.religion.misc",
    ];
    let id2label: Map<String, Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), json!(l)))
        .collect();
    let label2id: Map<String, Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| ((*l).to_string(), json!(i)))
        .collect();
    let mut config = literal(
        r#"{
        "return_dict": true, "output_hidden_states": false, "output_attentions": false,
        "torchscript": false, "torch_dtype": "float32", "use_bfloat16": false,
        "tf_legacy_loss": false, "pruned_heads": {}, "tie_word_embeddings": true,
        "chunk_size_feed_forward": 0, "is_encoder_decoder": false, "is_decoder": false,
        "cross_attention_hidden_size": null, "add_cross_attention": false,
        "tie_encoder_decoder": false, "max_length": 20, "min_length": 0, "do_sample": false,
        "early_stopping": false, "num_beams": 1, "num_beam_groups": 1, "diversity_penalty": 0.0,
        "temperature": 1.0, "top_k": 50, "top_p": 1.0, "typical_p": 1.0,
        "repetition_penalty": 1.0, "length_penalty": 1.0, "no_repeat_ngram_size": 0,
        "encoder_no_repeat_ngram_size": 0, "bad_words_ids": null, "num_return_sequences": 1,
        "output_scores": false, "return_dict_in_generate": false, "forced_bos_token_id": null,
        "forced_eos_token_id": null, "remove_invalid_values": false,
        "exponential_decay_length_penalty": null, "suppress_tokens": null,
        "begin_suppress_tokens": null, "architectures": ["BertForMaskedLM"],
        "finetuning_task": null, 
        "tokenizer_class": null, "prefix": null, "bos_token_id": null, "pad_token_id": 0,
        "eos_token_id": null, "sep_token_id": null, "decoder_start_token_id": null,
        "task_specific_params": null, "problem_type": "single_label_classification",
        "_name_or_path": "bert-base-uncased", "transformers_version": "4.46.3",
        "model_type": "bert", "vocab_size": 30522, "hidden_size": 768,
        "num_hidden_layers": 12, "num_attention_heads": 12, "hidden_act": "gelu",
        "intermediate_size": 3072, "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
        "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute", "use_cache": true, "classifier_dropout": null}"#,
    );
    config["id2label"] = Value::Object(id2label);
    config["label2id"] = Value::Object(label2id);
    let args = literal(
        r#"{
        "output_dir": "./out/bert-20news", "overwrite_output_dir": false, "do_train": false,
        "do_eval": true, "do_predict": false, "eval_strategy": "steps",
        "prediction_loss_only": false, "per_device_train_batch_size": 32,
        "per_device_eval_batch_size": 64, "per_gpu_train_batch_size": null,
        "per_gpu_eval_batch_size": null, "gradient_accumulation_steps": 2,
        "eval_accumulation_steps": null, "eval_delay": 0, "torch_empty_cache_steps": null,
        "learning_rate": 3e-05, "weight_decay": 0.01, "adam_beta1": 0.9, "adam_beta2": 0.999,
        "adam_epsilon": 1e-08, "max_grad_norm": 1.0, "num_train_epochs": 143,
        "max_steps": 1200000, "lr_scheduler_type": "linear", "lr_scheduler_kwargs": {},
        "warmup_ratio": 0.0, "warmup_steps": 10000, "log_level": "passive",
        "log_level_replica": "warning", "log_on_each_node": true,
        "logging_dir": "./out/bert-20news/runs/Nov01_08-00-00", "logging_strategy": "steps",
        "logging_first_step": false, "logging_steps": 10, "logging_nan_inf_filter": true,
        "save_strategy": "steps", "save_steps": 50000, "save_total_limit": null,
        "save_safetensors": true, "save_on_each_node": false, "save_only_model": false,
        "restore_callback_states_from_checkpoint": false, "no_cuda": false, "use_cpu": false,
        "use_mps_device": false, "seed": 42, "data_seed": null, "jit_mode_eval": false,
        "use_ipex": false, "bf16": true, "fp16": false, "fp16_opt_level": "O1",
        "half_precision_backend": "auto", "bf16_full_eval": false, "fp16_full_eval": false,
        "tf32": null, "local_rank": 0, "ddp_backend": null, "tpu_num_cores": null,
        "tpu_metrics_debug": false, "debug": [], "dataloader_drop_last": false,
        "eval_steps": 2500, "dataloader_num_workers": 4, "dataloader_prefetch_factor": null,
        "past_index": -1, "run_name": "bert-20news-lr3e-5", "disable_tqdm": false,
        "remove_unused_columns": true, "label_names": null, "load_best_model_at_end": false,
        "metric_for_best_model": null, "greater_is_better": null, "ignore_data_skip": false,
        "fsdp": [], "fsdp_min_num_params": 0,
        "fsdp_config": {"min_num_params": 0, "xla": false, "xla_fsdp_v2": false, "xla_fsdp_grad_ckpt": false},
        "fsdp_transformer_layer_cls_to_wrap": null,
        "accelerator_config": {"split_batches": false, "dispatch_batches": null, "even_batches": true, "use_seedable_sampler": true, "non_blocking": false, "gradient_accumulation_kwargs": null},
        "deepspeed": null, "label_smoothing_factor": 0.0, "optim": "adamw_torch",
        "optim_args": null, "adafactor": false, "group_by_length": false,
        "length_column_name": "length", "report_to": ["wandb"],
        "ddp_find_unused_parameters": null, "ddp_bucket_cap_mb": null,
        "ddp_broadcast_buffers": null, "dataloader_pin_memory": true,
        "dataloader_persistent_workers": false, "skip_memory_metrics": true,
        "use_legacy_prediction_loop": false, "push_to_hub": false,
        "resume_from_checkpoint": null, "hub_model_id": null, "hub_strategy": "every_save",
        "hub_token": "<HUB_TOKEN>", "hub_private_repo": null, "hub_always_push": false,
        "gradient_checkpointing": false, "gradient_checkpointing_kwargs": null,
        "include_inputs_for_metrics": false, "include_for_metrics": [],
        "eval_do_concat_batches": true, "fp16_backend": "auto", "evaluation_strategy": null,
        "push_to_hub_model_id": null, "push_to_hub_organization": null,
        "push_to_hub_token": "<PUSH_TO_HUB_TOKEN>", "mp_parameters": "",
        "auto_find_batch_size": false, "full_determinism": false, "torchdynamo": null,
        "ray_scope": "last", "ddp_timeout": 1800, "torch_compile": false,
        "torch_compile_backend": null, "torch_compile_mode": null, "dispatch_batches": null,
        "split_batches": null, "include_tokens_per_second": false,
        "include_num_input_tokens_seen": false, "neftune_noise_alpha": null,
        "optim_target_modules": null, "batch_eval_metrics": false, "eval_on_start": false,
        "use_liger_kernel": false, "eval_use_gather_object": false,
        "average_tokens_across_devices": false}"#,
    );
    if let (Value::Object(c), Value::Object(a)) = (&mut config, args) {
        c.extend(a);
    }
    config
}

fn trainer_run() -> RunSpec {
    use trainer as t;
    let train = |name: &str, curve: Curve, noise: f64| Metric::new(name, 2, curve, noise);
    let eval = |name: &str, curve: Curve, noise: f64| {
        Metric::new(name, 500, curve, noise)
            .offset(1)
            .only_on_cadence()
    };
    let per_row = t::LOGGING_STEPS as f64 / 2.0;
    let epoch_per_row = per_row / t::STEPS_PER_EPOCH;
    RunSpec {
        id: t::ID.into(),
        name: "bert-20news-lr3e-5".into(),
        state: "finished",
        hours: 0,
        last_step: t::LAST_STEP,
        seconds_per_step: 1.2,
        config: trainer_config(),
        metrics: vec![
            train("train/loss", decay(3.0, 0.35, 30_000.0), 0.08).with(Event::Spike {
                from: t::LOSS_SPIKE_FROM,
                to: t::LOSS_SPIKE_FROM + 600,
                factor: 3.0,
            }),
            train("train/grad_norm", decay(6.0, 0.9, 30_000.0), 0.15).with(Event::Explode {
                from: t::EXPLOSION_STEP,
                factor: 40.0,
            }),
            train(
                "train/learning_rate",
                linear(-3e-5 / 240_000.0, 3e-5, None),
                0.0,
            ),
            train(
                "train/epoch",
                linear(
                    epoch_per_row,
                    t::LOGGING_STEPS as f64 / t::STEPS_PER_EPOCH,
                    Some(2),
                ),
                0.0,
            ),
            train(
                "train/global_step",
                linear(per_row, t::LOGGING_STEPS as f64, None),
                0.0,
            ),
            eval(
                "eval/loss",
                Curve::DecayThenRise {
                    start: 4.0,
                    end: 2.417,
                    tau: 6_000.0,
                    turn: t::BEST_EVAL_STEP,
                    slope: 4.4e-6,
                },
                0.0,
            ),
            eval("eval/accuracy", decay(0.3, 0.62, 20_000.0), 0.01),
            eval("eval/runtime", Curve::Const(41.3), 0.05),
            eval("eval/samples_per_second", Curve::Const(182.4), 0.05),
        ],
        nan_wire: NanWire::String,
        extra_summary: json!({
            "train_runtime": 287_997.6, "train_samples_per_second": 266.7,
            "train_steps_per_second": 4.167, "total_flos": 2.5e18, "train_loss": 0.4412,
        }),
    }
}

fn lightning_run() -> RunSpec {
    use lightning as l;
    let epoch_end = |name: &str, curve: Curve, noise: f64| {
        Metric::new(name, l::ROWS_PER_EPOCH, curve, noise).offset(l::ROWS_PER_EPOCH - 1)
    };
    let turn = l::BEST_VAL_STEP;
    let per_class: Map<String, Value> = (0..100)
        .map(|i| {
            let acc = 0.55 + 0.4 * ((i * 37 % 100) as f64 / 100.0);
            (
                format!("val_acc_class/{i}"),
                json!((acc * 1e4_f64).round() / 1e4),
            )
        })
        .collect();
    RunSpec {
        id: l::ID.into(),
        name: l::NAME.into(),
        state: "finished",
        hours: 2,
        last_step: l::LAST_STEP,
        seconds_per_step: 9.0,
        config: json!({
            "model": {"backbone": "resnet50", "pretrained": true, "num_classes": 100},
            "optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4,
            "batch_size": 256, "max_epochs": 90, "precision": "16-mixed",
            "accumulate_grad_batches": 1, "gradient_clip_val": null, "seed": 7,
            "data": {"name": "imagenet-100", "num_workers": 8, "augment": "randaugment"},
        }),
        metrics: vec![
            Metric::new("train_loss_step", 1, decay(4.6, 0.9, 600.0), 0.1),
            Metric::new("trainer/global_step", 1, linear(50.0, 49.0, None), 0.0),
            Metric::new(
                "epoch",
                1,
                Curve::Epoch {
                    steps_per_epoch: l::ROWS_PER_EPOCH,
                },
                0.0,
            ),
            epoch_end("train_loss_epoch", decay(4.2, 0.95, 600.0), 0.02),
            epoch_end("val_loss", decay(4.3, 1.05, 600.0), 0.0),
            epoch_end(
                "val_acc",
                Curve::DecayThenRise {
                    start: 0.05,
                    end: 0.81,
                    tau: 500.0,
                    turn,
                    slope: -2e-5,
                },
                0.0,
            ),
            epoch_end(l::ODD_KEY, decay(20.0, 95.0, 500.0), 0.0),
            epoch_end(l::UNICODE_KEY, decay(0.1, 0.8, 500.0), 0.0),
        ],
        nan_wire: NanWire::String,
        extra_summary: Value::Object(per_class),
    }
}

fn keras_run() -> RunSpec {
    let last = keras::EPOCHS - 1;
    RunSpec {
        id: keras::ID.into(),
        name: "efficientnet-b0-flowers".into(),
        state: "finished",
        hours: 4,
        last_step: last,
        seconds_per_step: 95.0,
        config: json!({
            "epochs": keras::EPOCHS, "batch_size": 64, "learning_rate": 1e-3,
            "optimizer": {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999},
            "loss": "categorical_crossentropy", "image_size": 224, "dropout": 0.2,
        }),
        metrics: vec![
            Metric::new("epoch/epoch", 1, linear(1.0, 0.0, None), 0.0),
            Metric::new("epoch/loss", 1, decay(2.8, 0.2, 15.0), 0.03),
            Metric::new("epoch/accuracy", 1, decay(0.2, 0.95, 15.0), 0.01),
            Metric::new("epoch/val_loss", 1, decay(2.6, 0.45, 12.0), 0.04),
            Metric::new("epoch/val_accuracy", 1, decay(0.25, 0.88, 12.0), 0.015),
            Metric::new("epoch/learning_rate", 1, Curve::Const(1e-3), 0.0),
        ],
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }
}

pub fn project_of(numeric_id: u64) -> Project {
    project(
        crate::seed::builder::DEMO_ENTITY,
        PROJECT,
        numeric_id,
        vec![trainer_run(), lightning_run(), keras_run()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trainer_counter_matches_its_formula() {
        let p = project_of(106);
        let run = &p.runs[0];
        let at = |key: &str, step: u64| run.history.value(key, step, run.start_unix, run.seed);
        assert_eq!(at("train/global_step", 122_672), Some(613_370.0));
        assert_eq!(
            at("train/global_step", trainer::LAST_STEP),
            Some(trainer::global_step(trainer::LAST_STEP) as f64)
        );
        assert_eq!(trainer::global_step(trainer::LAST_STEP), 1_200_000);
        assert_eq!(at("eval/loss", 122_672), None, "eval rows are their own");
        assert!(at("eval/loss", trainer::BEST_EVAL_STEP).is_some());
        let epoch = at("train/epoch", 122_672).unwrap();
        assert_eq!(epoch, 72.84);
    }
}
