//! The stage's colours: the theme's CSS variables (RabbitMQ's tutorial palette in
//! `static/style.css`, light and dark), read from the canvas element so the drawing follows
//! the page's theme. It knows nothing of what is drawn with them.

/// The theme's colours, read from the page's CSS variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub producer: String,
    pub exchange: String,
    pub queue: String,
    pub consumer: String,
    pub text: String,
    pub muted: String,
    pub panel: String,
    pub border: String,
    pub brand: String,
}

impl Palette {
    /// The colours `element` gets from the page's CSS variables (light or dark theme).
    pub fn of(window: &web_sys::Window, element: &web_sys::Element) -> Option<Palette> {
        let style = window.get_computed_style(element).ok()??;
        let var = |name: &str, fallback: &str| {
            let v = style.get_property_value(name).unwrap_or_default();
            let v = v.trim();
            if v.is_empty() {
                fallback.to_owned()
            } else {
                v.to_owned()
            }
        };
        Some(Palette {
            producer: var("--producer", "#2f6fbf"),
            exchange: var("--exchange", "#4a5568"),
            queue: var("--queue", "#d9453d"),
            consumer: var("--consumer", "#2e8b57"),
            text: var("--text", "#1d1f21"),
            muted: var("--muted", "#5f6368"),
            panel: var("--panel", "#ffffff"),
            border: var("--border", "#dadce0"),
            brand: var("--brand", "#ff6600"),
        })
    }
}
