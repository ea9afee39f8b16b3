//! Calendar feeds of the deadlines: each user subscribes, by a secret link of their own,
//! to their organisation's deadlines or (staff) to every actor's and Tillväxtverket's.

pub mod db;
pub mod model;
