// browser tests: next step
