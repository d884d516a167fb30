//! Logs as hclog JSON lines on stderr, which Terraform (go-plugin) parses
//! and re-emits under `provider.<executable>` at the level it chose. The
//! level follows `TF_LOG_PROVIDER`, else `TF_LOG`, like Terraform's own.
//!
//! Only this crate logs below WARN: dependencies (HTTP, TLS, gRPC) are
//! capped at WARN so that nothing that might see a request body logs it.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Once;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Target prefix of this crate's events.
const OWN_TARGET: &str = "terraform_provider_pypi";

/// The level named by `TF_LOG_PROVIDER` or, when unset, `TF_LOG`.
/// Unset means WARN; `OFF` means nothing; `JSON` or anything unrecognised means TRACE, as in Terraform.
pub fn level_from_env(lookup: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let value = ["TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| lookup(k).filter(|v| !v.trim().is_empty()));
    let Some(value) = value else {
        return LevelFilter::WARN;
    };
    match value.trim().to_ascii_uppercase().as_str() {
        "OFF" => LevelFilter::OFF,
        "ERROR" => LevelFilter::ERROR,
        "WARN" => LevelFilter::WARN,
        "INFO" => LevelFilter::INFO,
        "DEBUG" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the stderr hclog subscriber for `module` (the `@module` of every
/// line) and the panic hook. Safe to call more than once: later calls do nothing.
pub fn init_logging(module: &str) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let level = level_from_env(|k| std::env::var(k).ok());
        let layer = HclogLayer::new(module, std::io::stderr).with_filter(filter_for(level));
        // Fails only when another subscriber is already global (tests); keep that one.
        let _ = tracing_subscriber::registry().with(layer).try_init();
        install_panic_hook();
    });
}

/// Our events at `level`; everyone else's at most at WARN.
pub fn filter_for(level: LevelFilter) -> Targets {
    let others = if level > LevelFilter::WARN {
        LevelFilter::WARN
    } else {
        level
    };
    Targets::new()
        .with_default(others)
        .with_target(OWN_TARGET, level)
}

/// Replaces the default panic hook, which prints the panic message (that
/// may quote a token) as a plain line, by an hclog ERROR line naming only
/// where the panic happened. Idempotent.
pub fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let thread = std::thread::current().name().unwrap_or("unnamed").to_string();
            tracing::error!(
                panic_location = %location,
                thread = %thread,
                "The provider panicked; the panic message is withheld because it may contain secret values"
            );
        }));
    });
}

/// A tracing layer writing one hclog JSON object per event.
pub struct HclogLayer<W> {
    /// The `@module` of every line, e.g. `provider.terraform-provider-pypi`.
    module: String,
    /// Where lines go (stderr in the plugin, a buffer in tests).
    make_writer: W,
}

impl<W> HclogLayer<W> {
    /// A layer writing lines for `module` to `make_writer`.
    pub fn new(module: &str, make_writer: W) -> HclogLayer<W> {
        HclogLayer {
            module: module.to_string(),
            make_writer,
        }
    }
}

/// hclog's level names.
fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// A UTC timestamp in go-plugin's layout, with exactly six fractional digits.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Collects an event's fields; `message` becomes `@message`.
#[derive(Default)]
struct Fields {
    /// The event's message.
    message: String,
    /// Other fields in the order they were written.
    rest: Map<String, Json>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.put(field, Json::String(text));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Json::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Json::Bool(value));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            self.message = match value {
                Json::String(s) => s,
                other => other.to_string(),
            };
        } else {
            self.rest.insert(field.name().to_string(), value);
        }
    }
}

/// One hclog JSON line (without the newline).
pub fn format_line(
    level: &Level,
    module: &str,
    ts: &str,
    message: &str,
    fields: &Map<String, Json>,
) -> String {
    let mut obj = Map::new();
    obj.insert("@level".into(), Json::String(level_name(level).into()));
    obj.insert("@message".into(), Json::String(message.into()));
    obj.insert("@module".into(), Json::String(module.into()));
    obj.insert("@timestamp".into(), Json::String(ts.into()));
    for (k, v) in fields {
        // The reserved keys must stay strings: go-plugin type-asserts them.
        if !k.starts_with('@') {
            obj.insert(k.clone(), v.clone());
        }
    }
    Json::Object(obj).to_string()
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let ts = timestamp(time::OffsetDateTime::now_utc());
        let mut line = format_line(
            event.metadata().level(),
            &self.module,
            &ts,
            &fields.message,
            &fields.rest,
        );
        line.push('\n');
        // One write per line so concurrent RPCs never interleave within a line.
        let mut writer = self.make_writer.make_writer();
        let _ = writer.write_all(line.as_bytes());
        let _ = writer.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn level_follows_terraform_rules() {
        assert_eq!(level_from_env(env(&[])), LevelFilter::WARN);
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "debug")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "DEBUG"), ("TF_LOG_PROVIDER", "error")])),
            LevelFilter::ERROR
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "JSON")])),
            LevelFilter::TRACE
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "loud")])),
            LevelFilter::TRACE
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG_PROVIDER", "off"), ("TF_LOG", "TRACE")])),
            LevelFilter::OFF
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG_PROVIDER", ""), ("TF_LOG", "info")])),
            LevelFilter::INFO
        );
    }

    #[test]
    fn timestamp_has_six_fraction_digits() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_960_800_000_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(timestamp(t), "2026-11-29T14:00:00.000000Z");
        let t = t + time::Duration::nanoseconds(1_234_567);
        assert_eq!(timestamp(t), "2026-11-29T14:00:00.001234Z");
    }

    #[test]
    fn events_become_hclog_json_lines() {
        let buf = Buf::default();
        let layer = HclogLayer::new("provider.test", buf.clone())
            .with_filter(filter_for(LevelFilter::DEBUG));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(
                tf_rpc = "PlanResourceChange",
                count = 3u64,
                "Served request"
            );
            tracing::trace!("too detailed");
            tracing::debug!(target: "h2::codec", "dependency chatter");
            tracing::warn!(target: "h2::codec", "dependency warning");
        });
        let text = String::from_utf8(buf.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap_or_default();
        assert_eq!(first["@level"], "debug");
        assert_eq!(first["@message"], "Served request");
        assert_eq!(first["@module"], "provider.test");
        assert_eq!(first["tf_rpc"], "PlanResourceChange");
        assert_eq!(first["count"], 3);
        let ts = first["@timestamp"].as_str().unwrap_or_default();
        assert_eq!(ts.len(), "2026-11-29T14:00:00.000000Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
        let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap_or_default();
        assert_eq!(second["@level"], "warn");
    }
}
