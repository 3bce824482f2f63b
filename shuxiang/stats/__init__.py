"""Operations management platform (运行管理平台): usage events, rollups, indicators, COUNTER."""
