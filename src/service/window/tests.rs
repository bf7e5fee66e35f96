//! The window's slots against the clock: waiting for a free slot, giving slots back after a
//! halving, and widening. The AIMD arithmetic itself is tested in `rules`.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::time::Duration;

use super::*;

/// True when `acquire` hands out a slot within a short while.
async fn gets_a_slot(window: &Window) -> Option<Slot> {
    tokio::time::timeout(Duration::from_millis(50), window.acquire())
        .await
        .ok()
}

#[tokio::test]
async fn no_more_slots_than_the_window_allows() {
    let window = Window::starting_at(2, 8);
    let first = gets_a_slot(&window).await.unwrap();
    let _second = gets_a_slot(&window).await.unwrap();
    assert_eq!(window.in_flight(), 2);
    assert!(gets_a_slot(&window).await.is_none(), "the window is full");
    drop(first);
    assert!(
        gets_a_slot(&window).await.is_some(),
        "a freed slot is handed out"
    );
}

#[tokio::test]
async fn a_halving_withdraws_slots_as_they_come_back() {
    let window = Window::starting_at(4, 8);
    let mut slots = Vec::new();
    for _ in 0..4 {
        slots.push(gets_a_slot(&window).await.unwrap());
    }
    slots.pop().unwrap().overloaded();
    assert_eq!(window.current(), 2);
    // Three slots are still in use although the window is two: none is handed out until
    // two of them come back.
    slots.pop();
    assert!(gets_a_slot(&window).await.is_none());
    slots.pop();
    let again = gets_a_slot(&window).await.unwrap();
    assert!(gets_a_slot(&window).await.is_none());
    slots.clear();
    let _also = gets_a_slot(&window).await.unwrap();
    assert!(gets_a_slot(&window).await.is_none(), "two in flight: full");
    drop(again);
}

#[tokio::test]
async fn a_good_full_round_widens_the_window() {
    let window = Window::starting_at(2, 8);
    let slots = [
        gets_a_slot(&window).await.unwrap(),
        gets_a_slot(&window).await.unwrap(),
    ];
    for slot in slots {
        slot.answered(1, Duration::from_millis(20));
    }
    assert_eq!(window.current(), 4);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(gets_a_slot(&window).await.unwrap());
    }
    assert!(gets_a_slot(&window).await.is_none());
}

#[test]
fn kinds_follow_the_route_not_the_ids() {
    let kind = request_kind;
    assert_eq!(
        kind("GET", "/api/4.0/users/42"),
        kind("GET", "/api/4.0/users/7")
    );
    assert_ne!(
        kind("GET", "/api/4.0/users/42"),
        kind("GET", "/api/4.0/users")
    );
    assert_ne!(
        kind("GET", "/api/4.0/users"),
        kind("PATCH", "/api/4.0/users")
    );
    assert_eq!(
        kind("GET", "/scim/Users/2c9f1d3e-aaaa-bbbb-cccc-0123456789ab"),
        kind("GET", "/scim/Users/7f00aa31-dddd-eeee-ffff-aaaaaaaaaaaa")
    );
    assert_ne!(
        kind("GET", "/api/4.0/users/42/attribute_values"),
        kind("GET", "/api/4.0/users/42")
    );
}

#[tokio::test]
async fn failed_attempts_free_their_slots_and_cut_only_in_a_row() {
    let window = Window::starting_at(8, 8);
    for _ in 0..FAILURES_BEFORE_CUT - 1 {
        gets_a_slot(&window).await.unwrap().failed();
    }
    gets_a_slot(&window)
        .await
        .unwrap()
        .answered(1, Duration::from_millis(5));
    gets_a_slot(&window).await.unwrap().failed();
    assert_eq!(window.current(), 8, "no four failures in a row");
    assert_eq!(window.in_flight(), 0, "every failed slot was freed");
    for _ in 0..FAILURES_BEFORE_CUT {
        gets_a_slot(&window).await.unwrap().failed();
    }
    assert_eq!(window.current(), 4);
}
