//! Testee binaries for the Autobahn Testsuite.
