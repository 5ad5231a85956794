from peripherals_sim.cli import main

raise SystemExit(main())
