//! Shared widgets of every portal: the shell (rail, submenu, header, workspace tabs), the action
//! dock, form fields and icons.

pub mod dock;
pub mod fields;
pub mod header;
pub mod icons;
pub mod page;
pub mod shell;
pub mod tabs;
