//! The signed-in user's workspace: shell state (open tabs, submenu, theme) kept per user on the
//! server, so it is restored after a reload, works without JavaScript and follows the user to
//! another browser.

pub mod api;
pub mod dto;
